package dev.softmaxengine.models.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatAffine#applyByClass} on the Vector API for any vector width, vectorized along the classes: a vector holds the
 * scores of one row for {@link #LANES} classes, and each feature {@code p} adds
 * {@code broadcast(x[p]) * w[p][classes]}. This keeps every lane's sum in feature order (no lane
 * reduction, so any {@code k} costs {@code k} steps and nothing after) and needs the weights
 * feature-major, which {@link FloatAffine} packs once per model ({@link #pack}). On 16 lanes
 * {@link TransposingFloatAffine} or {@link RowBlockFloatAffine} runs instead: they waste no lanes on
 * padding classes.
 *
 * <p>Register tiles of 8 rows: each step loads one weight vector and broadcasts 8 features for 8
 * independent fused multiply-adds, enough to cover the FMA latency (4 cycles) on two FMA pipes; the
 * 8 rows stay in L1 while the block's weights ({@code k x LANES} floats) stream from L1/L2. Scores
 * leave the registers once per tile into a scratch array of {@link #CHUNK} rows, from which they
 * are written at the caller's strides (class-major for the kernel's softmax across rows). The tile is unrolled by
 * hand: C2 keeps vectors in registers only as named locals, and nothing vector-typed crosses a
 * method of ours (see {@link VectorGemm}).
 */
final class VectorFloatAffine {
    /**
     * The preferred float shape, as the engine's kernels use (a second float shape makes C2 stop
     * inlining the Vector API's shared code in whichever it compiles second; see {@link VectorGemm}).
     */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Classes per vector, and per block of packed weights. */
    static final int LANES = F.length();
    private static final int ROWS = 8;
    /**
     * Rows whose scores collect in a scratch array (4 KB at 16 lanes, in L1) before they are
     * written at the caller's strides: reading a lane back right after its vector store would
     * stall on store-to-load forwarding (measured: 84 M rows/s for the GEMM alone became 54 M).
     */
    private static final int CHUNK = 64;

    private VectorFloatAffine() {
    }

    /**
     * Feature-major weights ({@code k x n}) as this path reads them: blocks of {@link #LANES}
     * classes, each feature-major, the last block zero-padded.
     */
    static float[] pack(float[] byFeature, int n, int k) {
        int blocks = (n + LANES - 1) / LANES;
        float[] packed = new float[Math.multiplyExact(blocks * LANES, k)];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                packed[((j / LANES) * k + p) * LANES + j % LANES] = byFeature[p * n + j];
            }
        }
        return packed;
    }

    /** The bias zero-padded to whole blocks. */
    static float[] padBias(float[] bias) {
        return java.util.Arrays.copyOf(bias, (bias.length + LANES - 1) / LANES * LANES);
    }

    /** {@code w}: {@link #pack}ed weights; {@code bias} zero-padded to whole blocks. */
    static void affine(float[] a, int aOffset, int m, int k, float[] w, float[] bias, int n, float[] c,
                       int cOffset, int rs, int cs) {
        float[] chunk = new float[CHUNK * LANES];
        for (int j0 = 0; j0 < n; j0 += LANES) {
            int width = Math.min(LANES, n - j0);
            int w0 = j0 * k;
            for (int i0 = 0; i0 < m; i0 += CHUNK) {
                int rows = Math.min(CHUNK, m - i0);
                int i = 0;
                for (; i + ROWS <= rows; i += ROWS) {
                    rows8(a, aOffset + (i0 + i) * k, k, w, w0, bias, j0, chunk, i * LANES);
                }
                for (; i < rows; i++) {
                    row1(a, aOffset + (i0 + i) * k, k, w, w0, bias, j0, chunk, i * LANES);
                }
                store(chunk, rows, width, c, cOffset + i0 * rs + j0 * cs, rs, cs);
            }
        }
    }

    /** Rows from {@code a0} ({@code k} apart), classes {@code j0 ..} of the block at {@code w0}, into {@code tile}. */
    private static void rows8(float[] a, int a0, int k, float[] w, int w0, float[] bias, int j0, float[] tile, int t0) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int a4 = a3 + k;
        int a5 = a4 + k;
        int a6 = a5 + k;
        int a7 = a6 + k;
        FloatVector b = FloatVector.fromArray(F, bias, j0);
        FloatVector s0 = b, s1 = b, s2 = b, s3 = b, s4 = b, s5 = b, s6 = b, s7 = b;
        for (int p = 0; p < k; p++) {
            FloatVector v = FloatVector.fromArray(F, w, w0 + p * LANES);
            s0 = FloatVector.broadcast(F, a[a0 + p]).fma(v, s0);
            s1 = FloatVector.broadcast(F, a[a1 + p]).fma(v, s1);
            s2 = FloatVector.broadcast(F, a[a2 + p]).fma(v, s2);
            s3 = FloatVector.broadcast(F, a[a3 + p]).fma(v, s3);
            s4 = FloatVector.broadcast(F, a[a4 + p]).fma(v, s4);
            s5 = FloatVector.broadcast(F, a[a5 + p]).fma(v, s5);
            s6 = FloatVector.broadcast(F, a[a6 + p]).fma(v, s6);
            s7 = FloatVector.broadcast(F, a[a7 + p]).fma(v, s7);
        }
        s0.intoArray(tile, t0);
        s1.intoArray(tile, t0 + LANES);
        s2.intoArray(tile, t0 + 2 * LANES);
        s3.intoArray(tile, t0 + 3 * LANES);
        s4.intoArray(tile, t0 + 4 * LANES);
        s5.intoArray(tile, t0 + 5 * LANES);
        s6.intoArray(tile, t0 + 6 * LANES);
        s7.intoArray(tile, t0 + 7 * LANES);
    }

    private static void row1(float[] a, int a0, int k, float[] w, int w0, float[] bias, int j0, float[] tile, int t0) {
        FloatVector s = FloatVector.fromArray(F, bias, j0);
        for (int p = 0; p < k; p++) {
            s = FloatVector.broadcast(F, a[a0 + p]).fma(FloatVector.fromArray(F, w, w0 + p * LANES), s);
        }
        s.intoArray(tile, t0);
    }

    /** The first {@code width} lanes of {@code rows} tile rows to {@code c} at strides {@code rs}, {@code cs}. */
    private static void store(float[] tile, int rows, int width, float[] c, int c0, int rs, int cs) {
        for (int j = 0; j < width; j++) {
            int o = c0 + j * cs;
            for (int r = 0; r < rows; r++) {
                c[o + r * rs] = tile[r * LANES + j];
            }
        }
    }
}
