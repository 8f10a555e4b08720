package dev.softmaxengine.models.linalg;

/**
 * The two matrix products linear models need: scores {@code C = A . B^T (+ bias)} and gradients
 * {@code G^T . A}. Float32 data, float64 weights and accumulation.
 *
 * <p>Scores run on the Vector API ({@link VectorGemm}) when {@code jdk.incubator.vector} is in
 * the module graph, as every engine JVM has it; otherwise, and for the gradient, in plain Java
 * register-tiled 4 x 4: each step loads 4 values of A and 4 of B and does 16 multiply-adds. The
 * two score paths differ by summation order only (a few float64 ulps). Both walk the operands
 * along their contiguous rows; a 4-row tile of A stays in L1 while all of B (a few classes x
 * features, tens of KB) stays in L2.
 */
public final class Gemm {
    private static final boolean VECTOR = dev.softmaxengine.api.VectorApi.available()
            && VectorGemm.usable();

    private Gemm() {
    }

    /**
     * Whether scores run on the Vector API.
     *
     * @return false on a JVM started without {@code jdk.incubator.vector} (then a scalar loop runs)
     */
    public static boolean vectorized() {
        return VECTOR;
    }

    /**
     * {@code c[i*n + j] = sum_p a[aOffset + i*k + p] * b[j*k + p]} for {@code i < m, j < n}: the
     * scores of {@code m} rows of {@code k} features against {@code n} weight rows.
     *
     * @param a the batch, row-major float32, {@code k} values per row
     * @param aOffset index in {@code a} of the first row's first value
     * @param m rows of {@code a}, at least 0
     * @param k features per row, at least 0
     * @param b weights, row-major {@code n x k}
     * @param n weight rows, at least 0
     * @param c receives {@code m x n} results, row-major from index 0
     * @throws IllegalArgumentException when an array is too short for the sizes
     */
    public static void multiplyTransposed(float[] a, int aOffset, int m, int k, double[] b, int n, double[] c) {
        affine(a, aOffset, m, k, b, null, n, c, 0, n, 1);
    }

    /**
     * {@code c[cOffset + i*rowStride + j*colStride] = bias[j] + sum_p a[aOffset + i*k + p] * b[j*k + p]}
     * for {@code i < m, j < n}; no bias when {@code bias} is null. Row-major scores have strides
     * {@code (n, 1)}, class-major ones {@code (1, m)}.
     *
     * @param a the batch, row-major float32, {@code k} values per row
     * @param aOffset index in {@code a} of the first row's first value
     * @param m rows of {@code a}, at least 0
     * @param k features per row, at least 0
     * @param b weights, row-major {@code n x k}
     * @param bias one value per weight row added to each result, or null for none
     * @param n weight rows, at least 0
     * @param c receives the results
     * @param cOffset index in {@code c} of result {@code (0, 0)}
     * @param rowStride distance in {@code c} between results of consecutive rows, at least 1
     * @param colStride distance in {@code c} between results of consecutive weight rows, at least 1
     * @throws IllegalArgumentException when a size or stride is out of range or an array too short
     */
    public static void affine(float[] a, int aOffset, int m, int k, double[] b, double[] bias, int n, double[] c,
                              int cOffset, int rowStride, int colStride) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("m, n and k must be >= 0, were " + m + ", " + n + ", " + k);
        }
        if (rowStride < 1 || colStride < 1) {
            throw new IllegalArgumentException("strides must be >= 1, were " + rowStride + ", " + colStride);
        }
        checkRange("a", a.length, aOffset, (long) m * k);
        checkRange("b", b.length, 0, (long) n * k);
        if (bias != null && bias.length < n) {
            throw new IllegalArgumentException("bias has " + bias.length + " elements, needs " + n);
        }
        if (m == 0 || n == 0) {
            return;
        }
        checkRange("c", c.length, cOffset, (long) (m - 1) * rowStride + (long) (n - 1) * colStride + 1);
        if (VECTOR) {
            // The tiles add bias[j] unconditionally; zeros stand in for no bias (n doubles, once per call).
            VectorGemm.affine(a, aOffset, m, k, b, bias != null ? bias : new double[n], n, c, cOffset, rowStride, colStride);
        } else {
            scalarAffine(a, aOffset, m, k, b, bias, n, c, cOffset, rowStride, colStride);
        }
    }

    /** {@link #affine} in plain Java; package-private so that tests hold both paths to the same reference. */
    static void scalarAffine(float[] a, int aOffset, int m, int k, double[] b, double[] bias, int n, double[] c,
                             int cOffset, int rs, int cs) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOffset + i * k;
            int a1 = a0 + k;
            int a2 = a1 + k;
            int a3 = a2 + k;
            int c0 = cOffset + i * rs;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int b0 = j * k;
                int b1 = b0 + k;
                int b2 = b1 + k;
                int b3 = b2 + k;
                double c00 = 0, c01 = 0, c02 = 0, c03 = 0;
                double c10 = 0, c11 = 0, c12 = 0, c13 = 0;
                double c20 = 0, c21 = 0, c22 = 0, c23 = 0;
                double c30 = 0, c31 = 0, c32 = 0, c33 = 0;
                for (int p = 0; p < k; p++) {
                    double x0 = a[a0 + p];
                    double x1 = a[a1 + p];
                    double x2 = a[a2 + p];
                    double x3 = a[a3 + p];
                    double w0 = b[b0 + p];
                    double w1 = b[b1 + p];
                    double w2 = b[b2 + p];
                    double w3 = b[b3 + p];
                    c00 += x0 * w0;
                    c01 += x0 * w1;
                    c02 += x0 * w2;
                    c03 += x0 * w3;
                    c10 += x1 * w0;
                    c11 += x1 * w1;
                    c12 += x1 * w2;
                    c13 += x1 * w3;
                    c20 += x2 * w0;
                    c21 += x2 * w1;
                    c22 += x2 * w2;
                    c23 += x2 * w3;
                    c30 += x3 * w0;
                    c31 += x3 * w1;
                    c32 += x3 * w2;
                    c33 += x3 * w3;
                }
                double d0 = bias(bias, j);
                double d1 = bias(bias, j + 1);
                double d2 = bias(bias, j + 2);
                double d3 = bias(bias, j + 3);
                int o = c0 + j * cs;
                c[o] = c00 + d0;
                c[o + cs] = c01 + d1;
                c[o + 2 * cs] = c02 + d2;
                c[o + 3 * cs] = c03 + d3;
                o += rs;
                c[o] = c10 + d0;
                c[o + cs] = c11 + d1;
                c[o + 2 * cs] = c12 + d2;
                c[o + 3 * cs] = c13 + d3;
                o += rs;
                c[o] = c20 + d0;
                c[o + cs] = c21 + d1;
                c[o + 2 * cs] = c22 + d2;
                c[o + 3 * cs] = c23 + d3;
                o += rs;
                c[o] = c30 + d0;
                c[o + cs] = c31 + d1;
                c[o + 2 * cs] = c32 + d2;
                c[o + 3 * cs] = c33 + d3;
            }
            for (; j < n; j++) {
                int b0 = j * k;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int p = 0; p < k; p++) {
                    double w = b[b0 + p];
                    s0 += a[a0 + p] * w;
                    s1 += a[a1 + p] * w;
                    s2 += a[a2 + p] * w;
                    s3 += a[a3 + p] * w;
                }
                double d = bias(bias, j);
                int o = c0 + j * cs;
                c[o] = s0 + d;
                c[o + rs] = s1 + d;
                c[o + 2 * rs] = s2 + d;
                c[o + 3 * rs] = s3 + d;
            }
        }
        for (; i < m; i++) {
            int a0 = aOffset + i * k;
            for (int j = 0; j < n; j++) {
                c[cOffset + i * rs + j * cs] = dot(a, a0, b, j * k, k) + bias(bias, j);
            }
        }
    }

    private static double bias(double[] bias, int j) {
        return bias == null ? 0 : bias[j];
    }

    /** {@code sum_p a[ao + p] * b[bo + p]} over {@code k} terms, in four partial sums. */
    private static double dot(float[] a, int ao, double[] b, int bo, int k) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int p = 0;
        for (; p + 4 <= k; p += 4) {
            s0 += a[ao + p] * b[bo + p];
            s1 += a[ao + p + 1] * b[bo + p + 1];
            s2 += a[ao + p + 2] * b[bo + p + 2];
            s3 += a[ao + p + 3] * b[bo + p + 3];
        }
        for (; p < k; p++) {
            s0 += a[ao + p] * b[bo + p];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * {@code out[j*k + p] += sum_i g[i*n + j] * a[aOffset + i*k + p]} for {@code j < n, p < k}: adds
     * {@code G^T . A} (the weight gradient of {@code m} rows) to {@code out}. The inner loop runs
     * along a row of {@code out} and of {@code A}, four rows of {@code A} at a time, which C2
     * vectorizes.
     *
     * @param g the {@code m x n} gradients of the scores, row-major
     * @param m rows, at least 0
     * @param n weight rows (classes), at least 0
     * @param a the batch, row-major float32, {@code k} values per row
     * @param aOffset index in {@code a} of the first row's first value
     * @param k features per row, at least 0
     * @param out {@code n x k} row-major sums, added to (not overwritten)
     * @throws IllegalArgumentException when an array is too short for the sizes
     */
    public static void addTransposedProduct(double[] g, int m, int n, float[] a, int aOffset, int k, double[] out) {
        checkRange("g", g.length, 0, (long) m * n);
        checkRange("a", a.length, aOffset, (long) m * k);
        checkRange("out", out.length, 0, (long) n * k);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOffset + i * k;
            int a1 = a0 + k;
            int a2 = a1 + k;
            int a3 = a2 + k;
            for (int j = 0; j < n; j++) {
                double g0 = g[i * n + j];
                double g1 = g[(i + 1) * n + j];
                double g2 = g[(i + 2) * n + j];
                double g3 = g[(i + 3) * n + j];
                int o = j * k;
                for (int p = 0; p < k; p++) {
                    out[o + p] += g0 * a[a0 + p] + g1 * a[a1 + p] + g2 * a[a2 + p] + g3 * a[a3 + p];
                }
            }
        }
        for (; i < m; i++) {
            int a0 = aOffset + i * k;
            for (int j = 0; j < n; j++) {
                double gj = g[i * n + j];
                int o = j * k;
                for (int p = 0; p < k; p++) {
                    out[o + p] += gj * a[a0 + p];
                }
            }
        }
    }

    private static void checkRange(String name, int length, int offset, long needed) {
        if (offset < 0 || offset + needed > length) {
            throw new IllegalArgumentException(name + " has " + length + " elements, needs " + needed + " from offset " + offset);
        }
    }
}
