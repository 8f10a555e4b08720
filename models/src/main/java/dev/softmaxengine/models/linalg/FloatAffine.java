package dev.softmaxengine.models.linalg;

/**
 * Scores {@code C = A . W^T + b} in float32 for scoring: the weights rounded to float32 and packed
 * once, at model load, and every dot product accumulated in float32 with fused multiply-adds, as
 * ONNX Runtime's MLAS SGEMM does. Training keeps {@link Gemm}'s float64.
 *
 * <p>Bound: each result is one float32 sum of {@code k + 1} terms (the bias and {@code k}
 * products, each product fused into its addition, so {@code k} roundings), from weights that carry
 * one rounding each, so against the exact {@code b + sum_p x_p w_p} of the float64 weights (Higham,
 * any summation order) {@code |c - exact| <= gamma(k + 2) * (|b| + sum_p |x_p w_p|)} with
 * {@code gamma(j) = j u / (1 - j u)}, {@code u = 2^-24}, as long as nothing overflows float32
 * (a partial sum beyond 3.4e38 is infinite, as it is in ONNX Runtime).
 *
 * <p>Four Vector API paths, chosen by the shape: from {@link #DOT_PRODUCT_FEATURES} features on,
 * the features across the lanes ({@link DotProductFloatAffine}); below, on 16 float lanes
 * (AVX-512), 4 rows of 4 features per vector from {@link #ROW_BLOCK_MIN_FEATURES} to
 * {@link #ROW_BLOCK_MAX_FEATURES} features ({@link RowBlockFloatAffine}), else 16 rows across the
 * lanes ({@link TransposingFloatAffine}); on other widths the classes ({@link VectorFloatAffine}).
 * The last two and the plain Java path sum in the same order, bias first, then the products in
 * feature order, one fused multiply-add each, so they agree bit for bit; the dot products and the
 * row blocks sum in lane-wise partial sums, within the same bound.
 */
public final class FloatAffine {
    private static final boolean VECTOR = dev.softmaxengine.api.VectorApi.available();
    /** AVX-512: the rows across the lanes ({@link TransposingFloatAffine}); else the classes ({@link VectorFloatAffine}). */
    private static final boolean TRANSPOSING = VECTOR && TransposingFloatAffine.usable();

    /**
     * From this many features on, the dot products ({@link DotProductFloatAffine}): their one lane
     * reduction per score costs about 10 vector operations against {@code k / 16} FMAs, less than
     * the transposition's 4 permutes per 16 features and row once {@code k} is in the hundreds
     * (Fashion-MNIST's 784: measured below in models/README.md).
     */
    static final int DOT_PRODUCT_FEATURES = 256;
    /**
     * From this many features, on 16 lanes, the row blocks ({@link RowBlockFloatAffine}): with
     * fewer, most lanes of its one step of 16 features are zero padding (4 features: 127 M rows/s
     * against the transposition's 284 M, 3 classes, measured as below).
     */
    static final int ROW_BLOCK_MIN_FEATURES = 8;
    /**
     * Up to this many features the row blocks: 13 and 30 features ran at 1.1x and 1.4x the
     * transposition's rows/s, 64 at 1.0x in cache and 1.1x-1.2x streaming from memory (the GEMM
     * alone, one thread, 1 024 to 100 000 rows), 100 at par, 200 at 0.75x (its scratch and packed
     * weights, 46 KB there, no longer fit in L1 beside the rows, we think).
     */
    static final int ROW_BLOCK_MAX_FEATURES = 128;

    private final int n;
    private final int k;
    /** Feature-major {@code k x n}: the weights of feature {@code p} for every class, contiguous. */
    private final float[] byFeature;
    private final float[] bias;
    /** Row-major {@code n x k}, when {@link DotProductFloatAffine} runs; else null. */
    private final float[] byClass;
    /** {@link RowBlockFloatAffine}'s weights, when that path runs; else null. */
    private final float[] rowBlocked;
    /** {@link VectorFloatAffine}'s blocks of classes, when that path runs; else null. */
    private final float[] blocked;
    private final float[] blockedBias;

    /**
     * Packs {@code weights} (row-major {@code n x k}, float64) and {@code bias} as float32.
     *
     * @param weights row-major {@code n x k}; not kept
     * @param bias one value per weight row, or null for none
     * @param n weight rows (classes), at least 1
     * @param k features, at least 0
     * @throws IllegalArgumentException when a size is out of range or an array does not match it
     */
    public FloatAffine(double[] weights, double[] bias, int n, int k) {
        if (n < 1 || k < 0) {
            throw new IllegalArgumentException("n must be >= 1 and k >= 0, were " + n + ", " + k);
        }
        if (weights == null || weights.length != (long) n * k) {
            throw new IllegalArgumentException("weights must have n x k = " + (long) n * k + " elements, had "
                    + (weights == null ? "null" : weights.length));
        }
        if (bias != null && bias.length != n) {
            throw new IllegalArgumentException("bias must have " + n + " elements, had " + bias.length);
        }
        this.n = n;
        this.k = k;
        this.byFeature = new float[n * k];
        this.bias = new float[n];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                byFeature[p * n + j] = (float) weights[j * k + p];
            }
            this.bias[j] = bias == null ? 0f : (float) bias[j];
        }
        this.byClass = dotProducts(k) ? toFloats(weights) : null;
        this.rowBlocked = rowBlocks(k) ? RowBlockFloatAffine.pack(byFeature, n, k) : null;
        boolean classesAcrossLanes = VECTOR && !TRANSPOSING && !dotProducts(k);
        this.blocked = classesAcrossLanes ? VectorFloatAffine.pack(byFeature, n, k) : null;
        this.blockedBias = classesAcrossLanes ? VectorFloatAffine.padBias(this.bias) : null;
    }

    private static boolean dotProducts(int k) {
        return VECTOR && k >= DOT_PRODUCT_FEATURES;
    }

    private static boolean rowBlocks(int k) {
        return TRANSPOSING && RowBlockFloatAffine.usable()
                && k >= ROW_BLOCK_MIN_FEATURES && k <= ROW_BLOCK_MAX_FEATURES;
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * Whether scores run on the Vector API.
     *
     * @return false on a JVM started without {@code jdk.incubator.vector} (then a plain loop runs)
     */
    public static boolean vectorized() {
        return VECTOR;
    }

    /**
     * Weight rows (classes).
     *
     * @return {@code n}
     */
    public int outputs() {
        return n;
    }

    /**
     * Features per row.
     *
     * @return {@code k}
     */
    public int features() {
        return k;
    }

    /**
     * Class-major scores {@code c[j*m + i] = bias[j] + sum_p a[aOffset + i*k + p] * w[j][p]} for
     * {@code i < m, j < n}: the layout the kernel's softmax runs across the rows on.
     *
     * @param a the batch, row-major float32, {@code k} values per row
     * @param aOffset index in {@code a} of the first row's first value
     * @param m rows, at least 0
     * @param c receives {@code n x m} results, class-major from index 0; may be longer
     * @throws IllegalArgumentException when {@code m} is negative or an array too short
     */
    public void applyByClass(float[] a, int aOffset, int m, float[] c) {
        check(a, aOffset, m, c);
        if (m == 0) {
            return;
        }
        if (byClass != null) {
            DotProductFloatAffine.affine(a, aOffset, m, k, byClass, bias, n, c);
        } else if (rowBlocked != null) {
            RowBlockFloatAffine.affine(a, aOffset, m, k, rowBlocked, bias, n, c);
        } else if (TRANSPOSING) {
            TransposingFloatAffine.affine(a, aOffset, m, k, byFeature, bias, n, c);
        } else if (VECTOR) {
            VectorFloatAffine.affine(a, aOffset, m, k, blocked, blockedBias, n, c, 0, 1, m);
        } else {
            scalarAffine(a, aOffset, m, c);
        }
    }

    private void check(float[] a, int aOffset, int m, float[] c) {
        if (m < 0) {
            throw new IllegalArgumentException("m must be >= 0, was " + m);
        }
        if (a == null || aOffset < 0 || aOffset + (long) m * k > a.length) {
            throw new IllegalArgumentException("a has " + (a == null ? "null" : a.length) + " elements, needs "
                    + (long) m * k + " from offset " + aOffset);
        }
        if (c == null || c.length < (long) m * n) {
            throw new IllegalArgumentException("c has " + (c == null ? "null" : c.length) + " elements, " + n + " x " + m
                    + " results need " + (long) m * n);
        }
    }

    /**
     * The plain Java path, in the vector paths' order; package-private so that tests hold the paths
     * to each other.
     */
    void scalarAffine(float[] a, int aOffset, int m, float[] c) {
        check(a, aOffset, m, c);
        for (int i = 0; i < m; i++) {
            int a0 = aOffset + i * k;
            for (int j = 0; j < n; j++) {
                float s = bias[j];
                for (int p = 0; p < k; p++) {
                    s = Math.fma(a[a0 + p], byFeature[p * n + j], s);
                }
                c[j * m + i] = s;
            }
        }
    }

    /** {@link VectorFloatAffine} whichever path {@link #applyByClass} takes; for tests. */
    void classesAcrossLanes(float[] a, int aOffset, int m, float[] c) {
        check(a, aOffset, m, c);
        VectorFloatAffine.affine(a, aOffset, m, k, VectorFloatAffine.pack(byFeature, n, k),
                VectorFloatAffine.padBias(bias), n, c, 0, 1, m);
    }

    /** {@link TransposingFloatAffine}; for tests, on a JVM where it is usable. */
    void rowsAcrossLanes(float[] a, int aOffset, int m, float[] c) {
        check(a, aOffset, m, c);
        TransposingFloatAffine.affine(a, aOffset, m, k, byFeature, bias, n, c);
    }

    /** {@link RowBlockFloatAffine} whatever {@code k}; for tests, on a JVM where it is usable. */
    void rowBlocks(float[] a, int aOffset, int m, float[] c) {
        check(a, aOffset, m, c);
        RowBlockFloatAffine.affine(a, aOffset, m, k, RowBlockFloatAffine.pack(byFeature, n, k), bias, n, c);
    }

    /** Whether {@link #applyByClass} takes {@link RowBlockFloatAffine} for {@code k} features. */
    static boolean rowBlocksFor(int k) {
        return rowBlocks(k);
    }

    /** {@link DotProductFloatAffine} whatever {@code k}; for tests. */
    void dotProducts(float[] a, int aOffset, int m, float[] c) {
        check(a, aOffset, m, c);
        float[] w = new float[n * k];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                w[j * k + p] = byFeature[p * n + j];
            }
        }
        DotProductFloatAffine.affine(a, aOffset, m, k, w, bias, n, c);
    }

    /** Whether {@link #applyByClass} takes {@link DotProductFloatAffine} for {@code k} features. */
    static boolean dotProductsFor(int k) {
        return dotProducts(k);
    }

    /** Whether {@link #applyByClass} takes {@link TransposingFloatAffine} (below {@link #DOT_PRODUCT_FEATURES}). */
    static boolean transposing() {
        return TRANSPOSING;
    }
}
