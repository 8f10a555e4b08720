package dev.softmaxengine.models.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatAffine#applyByClass} for many features ({@link FloatAffine#DOT_PRODUCT_FEATURES} and
 * more), vectorized along the features: each score is a dot product of a row of the batch and a
 * row of the weights, both contiguous, summed in lane-wise partial sums and reduced once at the
 * end. With many features the reduction is a small part (one per score against {@code k / 16}
 * FMAs), and nothing is transposed or broadcast.
 *
 * <p>Register tiles of 4 rows x 5 classes: each step loads 4 row vectors and 5 weight vectors for
 * 20 independent fused multiply-adds (29 of the 32 AVX-512 registers); the 4 rows and the 5
 * classes' weights stay in L1, and the next 4 rows are touched ahead ({@link Prefetch}). The features past the last whole vector are added after the lane
 * reduction, one FMA each. The order differs from the other paths (partial sums, the lanes, the
 * tail, then the bias), so the results differ from theirs by roundings, within the same bound.
 * The tiles are unrolled by hand, since C2 keeps vectors in registers only as named locals, and
 * kept short: a tile twice this size (a masked tail step in it) made C1 give up ("out of virtual
 * registers"), which left it interpreted-slow (50 K rows/s) and never compiled by C2.
 */
final class DotProductFloatAffine {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();

    private DotProductFloatAffine() {
    }

    /**
     * {@code c[j * m + i] = bias[j] + sum_p a[aOffset + i*k + p] * w[j * k + p]}: {@code w} row-major
     * {@code n x k}, {@code c} class-major from index 0.
     */
    static void affine(float[] a, int aOffset, int m, int k, float[] w, float[] bias, int n, float[] c) {
        int vk = k - k % LANES;
        int end = aOffset + m * k;
        float touched = 0;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOffset + i * k;
            touched += Prefetch.lines(a, a0 + 4 * k, Math.min(a0 + 8 * k, end));
            int j = 0;
            for (; j + 5 <= n; j += 5) {
                tile4x5(a, a0, k, vk, w, j * k, bias, j, c, m, i);
            }
            for (; j < n; j++) {
                tile4x1(a, a0, k, vk, w, j * k, bias, j, c, m, i);
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[j * m + i] = bias[j] + dot(a, aOffset + i * k, k, vk, w, j * k);
            }
        }
        Prefetch.keep(touched);
    }

    /** Rows {@code i ..} (from {@code a0}, {@code k} apart) against weight rows {@code j ..} (from {@code w0}). */
    private static void tile4x5(float[] a, int a0, int k, int vk, float[] w, int w0, float[] bias, int j, float[] c,
                                int m, int i) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int w1 = w0 + k;
        int w2 = w1 + k;
        int w3 = w2 + k;
        int w4 = w3 + k;
        FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s02 = FloatVector.zero(F), s03 = FloatVector.zero(F), s04 = FloatVector.zero(F);
        FloatVector s10 = FloatVector.zero(F), s11 = FloatVector.zero(F), s12 = FloatVector.zero(F), s13 = FloatVector.zero(F), s14 = FloatVector.zero(F);
        FloatVector s20 = FloatVector.zero(F), s21 = FloatVector.zero(F), s22 = FloatVector.zero(F), s23 = FloatVector.zero(F), s24 = FloatVector.zero(F);
        FloatVector s30 = FloatVector.zero(F), s31 = FloatVector.zero(F), s32 = FloatVector.zero(F), s33 = FloatVector.zero(F), s34 = FloatVector.zero(F);
        for (int p = 0; p < vk; p += LANES) {
            FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(F, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(F, a, a2 + p);
            FloatVector x3 = FloatVector.fromArray(F, a, a3 + p);
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + p);
            s00 = x0.fma(v0, s00);
            s10 = x1.fma(v0, s10);
            s20 = x2.fma(v0, s20);
            s30 = x3.fma(v0, s30);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + p);
            s01 = x0.fma(v1, s01);
            s11 = x1.fma(v1, s11);
            s21 = x2.fma(v1, s21);
            s31 = x3.fma(v1, s31);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + p);
            s02 = x0.fma(v2, s02);
            s12 = x1.fma(v2, s12);
            s22 = x2.fma(v2, s22);
            s32 = x3.fma(v2, s32);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + p);
            s03 = x0.fma(v3, s03);
            s13 = x1.fma(v3, s13);
            s23 = x2.fma(v3, s23);
            s33 = x3.fma(v3, s33);
            FloatVector v4 = FloatVector.fromArray(F, w, w4 + p);
            s04 = x0.fma(v4, s04);
            s14 = x1.fma(v4, s14);
            s24 = x2.fma(v4, s24);
            s34 = x3.fma(v4, s34);
        }
        float t00 = s00.reduceLanes(VectorOperators.ADD);
        float t10 = s10.reduceLanes(VectorOperators.ADD);
        float t20 = s20.reduceLanes(VectorOperators.ADD);
        float t30 = s30.reduceLanes(VectorOperators.ADD);
        float t01 = s01.reduceLanes(VectorOperators.ADD);
        float t11 = s11.reduceLanes(VectorOperators.ADD);
        float t21 = s21.reduceLanes(VectorOperators.ADD);
        float t31 = s31.reduceLanes(VectorOperators.ADD);
        float t02 = s02.reduceLanes(VectorOperators.ADD);
        float t12 = s12.reduceLanes(VectorOperators.ADD);
        float t22 = s22.reduceLanes(VectorOperators.ADD);
        float t32 = s32.reduceLanes(VectorOperators.ADD);
        float t03 = s03.reduceLanes(VectorOperators.ADD);
        float t13 = s13.reduceLanes(VectorOperators.ADD);
        float t23 = s23.reduceLanes(VectorOperators.ADD);
        float t33 = s33.reduceLanes(VectorOperators.ADD);
        float t04 = s04.reduceLanes(VectorOperators.ADD);
        float t14 = s14.reduceLanes(VectorOperators.ADD);
        float t24 = s24.reduceLanes(VectorOperators.ADD);
        float t34 = s34.reduceLanes(VectorOperators.ADD);
        for (int p = vk; p < k; p++) {
            float x0 = a[a0 + p];
            float x1 = a[a1 + p];
            float x2 = a[a2 + p];
            float x3 = a[a3 + p];
            float v0 = w[w0 + p];
            t00 = Math.fma(x0, v0, t00);
            t10 = Math.fma(x1, v0, t10);
            t20 = Math.fma(x2, v0, t20);
            t30 = Math.fma(x3, v0, t30);
            float v1 = w[w1 + p];
            t01 = Math.fma(x0, v1, t01);
            t11 = Math.fma(x1, v1, t11);
            t21 = Math.fma(x2, v1, t21);
            t31 = Math.fma(x3, v1, t31);
            float v2 = w[w2 + p];
            t02 = Math.fma(x0, v2, t02);
            t12 = Math.fma(x1, v2, t12);
            t22 = Math.fma(x2, v2, t22);
            t32 = Math.fma(x3, v2, t32);
            float v3 = w[w3 + p];
            t03 = Math.fma(x0, v3, t03);
            t13 = Math.fma(x1, v3, t13);
            t23 = Math.fma(x2, v3, t23);
            t33 = Math.fma(x3, v3, t33);
            float v4 = w[w4 + p];
            t04 = Math.fma(x0, v4, t04);
            t14 = Math.fma(x1, v4, t14);
            t24 = Math.fma(x2, v4, t24);
            t34 = Math.fma(x3, v4, t34);
        }
        float b0 = bias[j];
        c[(j) * m + i] = b0 + t00;
        c[(j) * m + i + 1] = b0 + t10;
        c[(j) * m + i + 2] = b0 + t20;
        c[(j) * m + i + 3] = b0 + t30;
        float b1 = bias[j + 1];
        c[(j + 1) * m + i] = b1 + t01;
        c[(j + 1) * m + i + 1] = b1 + t11;
        c[(j + 1) * m + i + 2] = b1 + t21;
        c[(j + 1) * m + i + 3] = b1 + t31;
        float b2 = bias[j + 2];
        c[(j + 2) * m + i] = b2 + t02;
        c[(j + 2) * m + i + 1] = b2 + t12;
        c[(j + 2) * m + i + 2] = b2 + t22;
        c[(j + 2) * m + i + 3] = b2 + t32;
        float b3 = bias[j + 3];
        c[(j + 3) * m + i] = b3 + t03;
        c[(j + 3) * m + i + 1] = b3 + t13;
        c[(j + 3) * m + i + 2] = b3 + t23;
        c[(j + 3) * m + i + 3] = b3 + t33;
        float b4 = bias[j + 4];
        c[(j + 4) * m + i] = b4 + t04;
        c[(j + 4) * m + i + 1] = b4 + t14;
        c[(j + 4) * m + i + 2] = b4 + t24;
        c[(j + 4) * m + i + 3] = b4 + t34;
    }

    /** Rows {@code i ..} (from {@code a0}, {@code k} apart) against weight rows {@code j ..} (from {@code w0}). */
    private static void tile4x1(float[] a, int a0, int k, int vk, float[] w, int w0, float[] bias, int j, float[] c,
                                int m, int i) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        FloatVector s00 = FloatVector.zero(F);
        FloatVector s10 = FloatVector.zero(F);
        FloatVector s20 = FloatVector.zero(F);
        FloatVector s30 = FloatVector.zero(F);
        for (int p = 0; p < vk; p += LANES) {
            FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(F, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(F, a, a2 + p);
            FloatVector x3 = FloatVector.fromArray(F, a, a3 + p);
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + p);
            s00 = x0.fma(v0, s00);
            s10 = x1.fma(v0, s10);
            s20 = x2.fma(v0, s20);
            s30 = x3.fma(v0, s30);
        }
        float t00 = s00.reduceLanes(VectorOperators.ADD);
        float t10 = s10.reduceLanes(VectorOperators.ADD);
        float t20 = s20.reduceLanes(VectorOperators.ADD);
        float t30 = s30.reduceLanes(VectorOperators.ADD);
        for (int p = vk; p < k; p++) {
            float x0 = a[a0 + p];
            float x1 = a[a1 + p];
            float x2 = a[a2 + p];
            float x3 = a[a3 + p];
            float v0 = w[w0 + p];
            t00 = Math.fma(x0, v0, t00);
            t10 = Math.fma(x1, v0, t10);
            t20 = Math.fma(x2, v0, t20);
            t30 = Math.fma(x3, v0, t30);
        }
        float b0 = bias[j];
        c[(j) * m + i] = b0 + t00;
        c[(j) * m + i + 1] = b0 + t10;
        c[(j) * m + i + 2] = b0 + t20;
        c[(j) * m + i + 3] = b0 + t30;
    }

    private static float dot(float[] a, int a0, int k, int vk, float[] w, int w0) {
        FloatVector s = FloatVector.zero(F);
        for (int p = 0; p < vk; p += LANES) {
            s = FloatVector.fromArray(F, a, a0 + p).fma(FloatVector.fromArray(F, w, w0 + p), s);
        }
        float t = s.reduceLanes(VectorOperators.ADD);
        for (int p = vk; p < k; p++) {
            t = Math.fma(a[a0 + p], w[w0 + p], t);
        }
        return t;
    }
}
