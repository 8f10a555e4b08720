package dev.softmaxengine.simd;

import java.lang.foreign.MemorySegment;

import dev.softmaxengine.api.Tensor;

/**
 * Contiguous rows of segment tensors through per-thread arrays, so the array kernels of FloatRows /
 * DoubleRows serve segments too. Rows up to {@link #WHOLE_ROW} elements are copied in once,
 * computed in place and copied out once; longer rows stream in {@link #CHUNK}-element pieces, each
 * pass of the row kernel becoming a loop over chunks, so a 1M-column row never leaves the caches
 * twice.
 *
 * <p>Why stage at all: Vector API loads straight from segments are as fast as from arrays only
 * while a call site sees one kind of segment; once it has seen heap and native segments (profile
 * pollution) C2 compiles it 5x slower, measured on JDK 25. The copies cost about a quarter of the
 * array path's throughput on cache-resident rows and keep that cost predictable.
 */
final class SegmentRows {
    private SegmentRows() {
    }

    /** Elements per chunk: 16 KiB of float32, well inside L1 with the vector state. */
    static final int CHUNK = 4096;
    /** Longest row staged whole: 256 KiB of float32 stays in L2 between the kernel's passes. */
    static final int WHOLE_ROW = 1 << 16;

    /** Elements per piece for a row of n: the whole row when it is short. */
    private static int step(long n) {
        return n <= WHOLE_ROW ? WHOLE_ROW : CHUNK;
    }

    // ---- float32 ----

    /** Copies the piece of the row at {@code at} that starts at element c into st; returns its length. */
    private static int load(MemorySegment s, long at, float[] st, long n, long c) {
        int len = (int) Math.min(step(n), n - c);
        MemorySegment.copy(s, Tensor.F32, (at + c) * Float.BYTES, st, 0, len);
        return len;
    }

    private static void store(float[] st, int len, MemorySegment s, long at, long c) {
        MemorySegment.copy(st, 0, s, Tensor.F32, (at + c) * Float.BYTES, len);
    }

    private static float max(MemorySegment in, long base, long n, float[] st) {
        float max = Float.NEGATIVE_INFINITY;
        for (long c = 0; c < n; c += step(n)) {
            float m = FloatRows.rowMax(st, 0, load(in, base, st, n, c));
            max = m > max ? m : max;
        }
        return max;
    }

    private static boolean hasNaN(MemorySegment in, long base, long n, float[] st) {
        for (long c = 0; c < n; c += step(n)) {
            if (FloatRows.rowHasNaN(st, 0, load(in, base, st, n, c))) {
                return true;
            }
        }
        return false;
    }

    static void softmaxRow(MemorySegment in, MemorySegment out, long base, long n, float invT, boolean log, float[] st) {
        if (n == 0) {
            return;
        }
        if (n <= WHOLE_ROW) {
            int len = load(in, base, st, n, 0);
            FloatRows.softmaxRow(st, st, 0, len, invT, log);
            store(st, len, out, base, 0);
            return;
        }
        float max = max(in, base, n, st);
        double sum = 0;
        for (long c = 0; c < n; c += step(n)) {
            int len = load(in, base, st, n, c);
            sum += FloatRows.rowExpSum(st, st, 0, len, max, invT, !log);
            if (!log) {
                store(st, len, out, base, c);
            }
        }
        float factor = log ? (float) Math.log(sum) : (float) (1.0 / sum);
        for (long c = 0; c < n; c += step(n)) {
            int len = load(log ? in : out, base, st, n, c);
            if (log) {
                FloatRows.rowLogNormalize(st, st, 0, len, max, invT, factor);
            } else {
                FloatRows.rowScale(st, 0, len, factor);
            }
            store(st, len, out, base, c);
        }
    }

    static double logSumExpRow(MemorySegment in, long base, long n, float[] st) {
        float max = max(in, base, n, st);
        if (Float.isInfinite(max)) {
            return hasNaN(in, base, n, st) ? Double.NaN : max;
        }
        double sum = 0;
        for (long c = 0; c < n; c += step(n)) {
            sum += FloatRows.rowExpSum(st, null, 0, load(in, base, st, n, c), max, 1f, false);
        }
        return max + Math.log(sum);
    }

    static long argmaxRow(MemorySegment in, long base, long n, float[] st) {
        for (long c = 0; c < n; c += step(n)) {
            int len = load(in, base, st, n, c);
            if (FloatRows.rowHasNaN(st, 0, len)) {
                return c + FloatRows.argmaxRow(st, 0, len);
            }
        }
        float max = max(in, base, n, st);
        for (long c = 0; c < n; c += step(n)) {
            int len = load(in, base, st, n, c);
            if (FloatRows.rowMax(st, 0, len) == max) {
                return c + FloatRows.argmaxRow(st, 0, len);
            }
        }
        throw new AssertionError("no element equals the row max " + max);
    }

    static void hardmaxRow(MemorySegment in, MemorySegment out, long base, long n, float[] st) {
        if (n == 0) {
            return;
        }
        long hot = argmaxRow(in, base, n, st);
        out.asSlice(base * Float.BYTES, n * Float.BYTES).fill((byte) 0);
        out.setAtIndex(Tensor.F32, base + hot, 1f);
    }

    // ---- float64: the twin of the float32 methods above ----

    private static int load(MemorySegment s, long at, double[] st, long n, long c) {
        int len = (int) Math.min(step(n), n - c);
        MemorySegment.copy(s, Tensor.F64, (at + c) * Double.BYTES, st, 0, len);
        return len;
    }

    private static void store(double[] st, int len, MemorySegment s, long at, long c) {
        MemorySegment.copy(st, 0, s, Tensor.F64, (at + c) * Double.BYTES, len);
    }

    private static double max(MemorySegment in, long base, long n, double[] st) {
        double max = Double.NEGATIVE_INFINITY;
        for (long c = 0; c < n; c += step(n)) {
            double m = DoubleRows.rowMax(st, 0, load(in, base, st, n, c));
            max = m > max ? m : max;
        }
        return max;
    }

    private static boolean hasNaN(MemorySegment in, long base, long n, double[] st) {
        for (long c = 0; c < n; c += step(n)) {
            if (DoubleRows.rowHasNaN(st, 0, load(in, base, st, n, c))) {
                return true;
            }
        }
        return false;
    }

    static void softmaxRow(MemorySegment in, MemorySegment out, long base, long n, double invT, boolean log, double[] st) {
        if (n == 0) {
            return;
        }
        if (n <= WHOLE_ROW) {
            int len = load(in, base, st, n, 0);
            DoubleRows.softmaxRow(st, st, 0, len, invT, log);
            store(st, len, out, base, 0);
            return;
        }
        double max = max(in, base, n, st);
        double sum = 0;
        for (long c = 0; c < n; c += step(n)) {
            int len = load(in, base, st, n, c);
            sum += DoubleRows.rowExpSum(st, st, 0, len, max, invT, !log);
            if (!log) {
                store(st, len, out, base, c);
            }
        }
        double factor = log ? Math.log(sum) : 1.0 / sum;
        for (long c = 0; c < n; c += step(n)) {
            int len = load(log ? in : out, base, st, n, c);
            if (log) {
                DoubleRows.rowLogNormalize(st, st, 0, len, max, invT, factor);
            } else {
                DoubleRows.rowScale(st, 0, len, factor);
            }
            store(st, len, out, base, c);
        }
    }

    static double logSumExpRow(MemorySegment in, long base, long n, double[] st) {
        double max = max(in, base, n, st);
        if (Double.isInfinite(max)) {
            return hasNaN(in, base, n, st) ? Double.NaN : max;
        }
        double sum = 0;
        for (long c = 0; c < n; c += step(n)) {
            sum += DoubleRows.rowExpSum(st, null, 0, load(in, base, st, n, c), max, 1.0, false);
        }
        return max + Math.log(sum);
    }

    static long argmaxRow(MemorySegment in, long base, long n, double[] st) {
        for (long c = 0; c < n; c += step(n)) {
            int len = load(in, base, st, n, c);
            if (DoubleRows.rowHasNaN(st, 0, len)) {
                return c + DoubleRows.argmaxRow(st, 0, len);
            }
        }
        double max = max(in, base, n, st);
        for (long c = 0; c < n; c += step(n)) {
            int len = load(in, base, st, n, c);
            if (DoubleRows.rowMax(st, 0, len) == max) {
                return c + DoubleRows.argmaxRow(st, 0, len);
            }
        }
        throw new AssertionError("no element equals the row max " + max);
    }

    static void hardmaxRow(MemorySegment in, MemorySegment out, long base, long n, double[] st) {
        if (n == 0) {
            return;
        }
        long hot = argmaxRow(in, base, n, st);
        out.asSlice(base * Double.BYTES, n * Double.BYTES).fill((byte) 0);
        out.setAtIndex(Tensor.F64, base + hot, 1.0);
    }
}
