package dev.softmaxengine.models.linalg;

/**
 * The two matrix products linear models need, in plain Java (the models compile against the engine
 * API only, so no Vector API here): scores {@code C = A . B^T} and gradients {@code G^T . A}.
 * Float32 data, float64 weights and accumulation.
 *
 * <p>Both are register-tiled 4 x 4: each step loads 4 values of A and 4 of B and does 16
 * multiply-adds, so the loop is bound by arithmetic, not loads. Both operands are walked along
 * their contiguous rows; a 4-row tile of A stays in L1 while all of B (a few classes x features,
 * tens of KB) stays in L2.
 */
public final class Gemm {
    private Gemm() {
    }

    /**
     * {@code c[i*n + j] = sum_p a[aOffset + i*k + p] * b[j*k + p]} for {@code i < m, j < n}: the
     * scores of {@code m} rows of {@code k} features against {@code n} weight rows.
     */
    public static void multiplyTransposed(float[] a, int aOffset, int m, int k, double[] b, int n, double[] c) {
        checkRange("a", a.length, aOffset, (long) m * k);
        checkRange("b", b.length, 0, (long) n * k);
        checkRange("c", c.length, 0, (long) m * n);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOffset + i * k;
            int a1 = a0 + k;
            int a2 = a1 + k;
            int a3 = a2 + k;
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
                int r = i * n + j;
                c[r] = c00;
                c[r + 1] = c01;
                c[r + 2] = c02;
                c[r + 3] = c03;
                r += n;
                c[r] = c10;
                c[r + 1] = c11;
                c[r + 2] = c12;
                c[r + 3] = c13;
                r += n;
                c[r] = c20;
                c[r + 1] = c21;
                c[r + 2] = c22;
                c[r + 3] = c23;
                r += n;
                c[r] = c30;
                c[r + 1] = c31;
                c[r + 2] = c32;
                c[r + 3] = c33;
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
                c[i * n + j] = s0;
                c[(i + 1) * n + j] = s1;
                c[(i + 2) * n + j] = s2;
                c[(i + 3) * n + j] = s3;
            }
        }
        for (; i < m; i++) {
            int a0 = aOffset + i * k;
            for (int j = 0; j < n; j++) {
                c[i * n + j] = dot(a, a0, b, j * k, k);
            }
        }
    }

    /** {@code sum_p a[ao + p] * b[bo + p]} over {@code k} terms, in four partial sums. */
    public static double dot(float[] a, int ao, double[] b, int bo, int k) {
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
