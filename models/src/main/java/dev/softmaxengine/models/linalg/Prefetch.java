package dev.softmaxengine.models.linalg;

/**
 * Software prefetch in plain Java: one load per cache line of the rows a GEMM reads next, so that
 * their misses overlap as in a sequential scan. Java has no prefetch instruction, and the GEMMs'
 * own access (16 or 4 rows apart, with compute between) lets the hardware prefetchers fall behind:
 * measured on digits streaming from memory, 2-4x the rows/s of the transposing GEMM with this.
 */
final class Prefetch {
    private static final int LINE_FLOATS = 64 / Float.BYTES;
    /** Where the sums go, so that C2 keeps the loads; written once per GEMM call. */
    private static volatile float sink;

    private Prefetch() {
    }

    /** Loads one float per cache line of {@code a[from, to)}; returns their sum for {@link #keep}. */
    static float lines(float[] a, int from, int to) {
        float s = 0;
        for (int i = from; i < to; i += LINE_FLOATS) {
            s += a[i];
        }
        return s;
    }

    /** Publishes the sum of the loads, so that they are not dead code. */
    static void keep(float sum) {
        sink = sum;
    }
}
