package dev.softmaxengine.models.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm#affine} on the Vector API: float32 features widened to float64 in registers, float64
 * weights and accumulation. Only loaded by {@link Gemm} after it has checked that
 * {@code jdk.incubator.vector} is in the module graph.
 *
 * <p>Register tiles of 4 rows x 5 weight rows (then x 2, x 1): each step loads 4 float vectors
 * (8 double vectors widened) and 10 weight vectors for 40 fused multiply-adds into 20
 * accumulators, 30 of the 32 AVX-512 registers, so the loop is bound by the FMA ports rather than
 * by loads; the 4 rows of features stay in L1 and the weights (classes x features doubles) in L2.
 * The tiles are unrolled by hand because C2 keeps vectors in registers only as named locals, and
 * nothing vector-typed crosses a method of ours: a vector passed to or returned from a method C2
 * does not inline (ours may not be; the Vector API's are forced) is boxed, and so is one that
 * starts from a static final constant. Every dot product, in a tile or alone, sums in the same
 * order: lane-wise partial sums over whole float vectors (lower half, then upper), the lanes
 * reduced, then the scalar tail.
 */
final class VectorGemm {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /**
     * The preferred float shape, the one the engine's kernels use: a half-width float species here
     * would make the Vector API's shared code see two float shapes, and C2 then stops inlining it
     * in whichever of them it compiles second (measured: this GEMM at 1.5x the time when compiled
     * after the float softmax kernels had run). One load widens into two double vectors.
     */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = D.length();
    /** Features per step: one float vector. */
    private static final int STEP = F.length();

    private VectorGemm() {
    }

    /** Whether the preferred shape holds at least 2 doubles (then it holds twice as many floats). */
    static boolean usable() {
        return D.length() >= 2 && F.length() == 2 * L;
    }

    static void affine(float[] a, int aOffset, int m, int k, double[] b, double[] bias, int n, double[] c,
                       int cOffset, int rs, int cs) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOffset + i * k;
            int c0 = cOffset + i * rs;
            int j = 0;
            for (; j + 5 <= n; j += 5) {
                tile4x5(a, a0, k, b, j * k, bias, j, c, c0 + j * cs, rs, cs);
            }
            for (; j + 2 <= n; j += 2) {
                tile4x2(a, a0, k, b, j * k, bias, j, c, c0 + j * cs, rs, cs);
            }
            for (; j < n; j++) {
                tile4x1(a, a0, k, b, j * k, bias, j, c, c0 + j * cs, rs, cs);
            }
        }
        for (; i < m; i++) {
            int a0 = aOffset + i * k;
            for (int j = 0; j < n; j++) {
                c[cOffset + i * rs + j * cs] = dot(a, a0, b, j * k, k) + bias[j];
            }
        }
    }

    /** Rows {@code i .. i + 3} (from {@code a0}, {@code k} apart) against weight rows {@code j .. j + 4} (from {@code b0}). */
    private static void tile4x5(float[] a, int a0, int k, double[] b, int b0, double[] bias, int j,
                                 double[] c, int c0, int rs, int cs) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int b1 = b0 + k;
        int b2 = b1 + k;
        int b3 = b2 + k;
        int b4 = b3 + k;
        DoubleVector s00 = DoubleVector.zero(D), s10 = DoubleVector.zero(D), s20 = DoubleVector.zero(D), s30 = DoubleVector.zero(D);
        DoubleVector s01 = DoubleVector.zero(D), s11 = DoubleVector.zero(D), s21 = DoubleVector.zero(D), s31 = DoubleVector.zero(D);
        DoubleVector s02 = DoubleVector.zero(D), s12 = DoubleVector.zero(D), s22 = DoubleVector.zero(D), s32 = DoubleVector.zero(D);
        DoubleVector s03 = DoubleVector.zero(D), s13 = DoubleVector.zero(D), s23 = DoubleVector.zero(D), s33 = DoubleVector.zero(D);
        DoubleVector s04 = DoubleVector.zero(D), s14 = DoubleVector.zero(D), s24 = DoubleVector.zero(D), s34 = DoubleVector.zero(D);
        int vk = k - k % STEP;
        for (int p = 0; p < vk; p += STEP) {
            FloatVector f0 = FloatVector.fromArray(F, a, a0 + p);
            DoubleVector x0 = (DoubleVector) f0.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y0 = (DoubleVector) f0.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f1 = FloatVector.fromArray(F, a, a1 + p);
            DoubleVector x1 = (DoubleVector) f1.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y1 = (DoubleVector) f1.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f2 = FloatVector.fromArray(F, a, a2 + p);
            DoubleVector x2 = (DoubleVector) f2.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y2 = (DoubleVector) f2.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f3 = FloatVector.fromArray(F, a, a3 + p);
            DoubleVector x3 = (DoubleVector) f3.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y3 = (DoubleVector) f3.convertShape(VectorOperators.F2D, D, 1);
            DoubleVector v0 = DoubleVector.fromArray(D, b, b0 + p);
            DoubleVector u0 = DoubleVector.fromArray(D, b, b0 + p + L);
            s00 = y0.fma(u0, x0.fma(v0, s00));
            s10 = y1.fma(u0, x1.fma(v0, s10));
            s20 = y2.fma(u0, x2.fma(v0, s20));
            s30 = y3.fma(u0, x3.fma(v0, s30));
            DoubleVector v1 = DoubleVector.fromArray(D, b, b1 + p);
            DoubleVector u1 = DoubleVector.fromArray(D, b, b1 + p + L);
            s01 = y0.fma(u1, x0.fma(v1, s01));
            s11 = y1.fma(u1, x1.fma(v1, s11));
            s21 = y2.fma(u1, x2.fma(v1, s21));
            s31 = y3.fma(u1, x3.fma(v1, s31));
            DoubleVector v2 = DoubleVector.fromArray(D, b, b2 + p);
            DoubleVector u2 = DoubleVector.fromArray(D, b, b2 + p + L);
            s02 = y0.fma(u2, x0.fma(v2, s02));
            s12 = y1.fma(u2, x1.fma(v2, s12));
            s22 = y2.fma(u2, x2.fma(v2, s22));
            s32 = y3.fma(u2, x3.fma(v2, s32));
            DoubleVector v3 = DoubleVector.fromArray(D, b, b3 + p);
            DoubleVector u3 = DoubleVector.fromArray(D, b, b3 + p + L);
            s03 = y0.fma(u3, x0.fma(v3, s03));
            s13 = y1.fma(u3, x1.fma(v3, s13));
            s23 = y2.fma(u3, x2.fma(v3, s23));
            s33 = y3.fma(u3, x3.fma(v3, s33));
            DoubleVector v4 = DoubleVector.fromArray(D, b, b4 + p);
            DoubleVector u4 = DoubleVector.fromArray(D, b, b4 + p + L);
            s04 = y0.fma(u4, x0.fma(v4, s04));
            s14 = y1.fma(u4, x1.fma(v4, s14));
            s24 = y2.fma(u4, x2.fma(v4, s24));
            s34 = y3.fma(u4, x3.fma(v4, s34));
        }
        double t00 = s00.reduceLanes(VectorOperators.ADD);
        double t10 = s10.reduceLanes(VectorOperators.ADD);
        double t20 = s20.reduceLanes(VectorOperators.ADD);
        double t30 = s30.reduceLanes(VectorOperators.ADD);
        double t01 = s01.reduceLanes(VectorOperators.ADD);
        double t11 = s11.reduceLanes(VectorOperators.ADD);
        double t21 = s21.reduceLanes(VectorOperators.ADD);
        double t31 = s31.reduceLanes(VectorOperators.ADD);
        double t02 = s02.reduceLanes(VectorOperators.ADD);
        double t12 = s12.reduceLanes(VectorOperators.ADD);
        double t22 = s22.reduceLanes(VectorOperators.ADD);
        double t32 = s32.reduceLanes(VectorOperators.ADD);
        double t03 = s03.reduceLanes(VectorOperators.ADD);
        double t13 = s13.reduceLanes(VectorOperators.ADD);
        double t23 = s23.reduceLanes(VectorOperators.ADD);
        double t33 = s33.reduceLanes(VectorOperators.ADD);
        double t04 = s04.reduceLanes(VectorOperators.ADD);
        double t14 = s14.reduceLanes(VectorOperators.ADD);
        double t24 = s24.reduceLanes(VectorOperators.ADD);
        double t34 = s34.reduceLanes(VectorOperators.ADD);
        for (int p = vk; p < k; p++) {
            double x0 = a[a0 + p];
            double x1 = a[a1 + p];
            double x2 = a[a2 + p];
            double x3 = a[a3 + p];
            t00 += x0 * b[b0 + p];
            t10 += x1 * b[b0 + p];
            t20 += x2 * b[b0 + p];
            t30 += x3 * b[b0 + p];
            t01 += x0 * b[b1 + p];
            t11 += x1 * b[b1 + p];
            t21 += x2 * b[b1 + p];
            t31 += x3 * b[b1 + p];
            t02 += x0 * b[b2 + p];
            t12 += x1 * b[b2 + p];
            t22 += x2 * b[b2 + p];
            t32 += x3 * b[b2 + p];
            t03 += x0 * b[b3 + p];
            t13 += x1 * b[b3 + p];
            t23 += x2 * b[b3 + p];
            t33 += x3 * b[b3 + p];
            t04 += x0 * b[b4 + p];
            t14 += x1 * b[b4 + p];
            t24 += x2 * b[b4 + p];
            t34 += x3 * b[b4 + p];
        }
        double d0 = bias[j];
        c[c0] = t00 + d0;
        c[c0 + rs] = t10 + d0;
        c[c0 + 2 * rs] = t20 + d0;
        c[c0 + 3 * rs] = t30 + d0;
        double d1 = bias[j + 1];
        c[c0 + cs] = t01 + d1;
        c[c0 + rs + cs] = t11 + d1;
        c[c0 + 2 * rs + cs] = t21 + d1;
        c[c0 + 3 * rs + cs] = t31 + d1;
        double d2 = bias[j + 2];
        c[c0 + 2 * cs] = t02 + d2;
        c[c0 + rs + 2 * cs] = t12 + d2;
        c[c0 + 2 * rs + 2 * cs] = t22 + d2;
        c[c0 + 3 * rs + 2 * cs] = t32 + d2;
        double d3 = bias[j + 3];
        c[c0 + 3 * cs] = t03 + d3;
        c[c0 + rs + 3 * cs] = t13 + d3;
        c[c0 + 2 * rs + 3 * cs] = t23 + d3;
        c[c0 + 3 * rs + 3 * cs] = t33 + d3;
        double d4 = bias[j + 4];
        c[c0 + 4 * cs] = t04 + d4;
        c[c0 + rs + 4 * cs] = t14 + d4;
        c[c0 + 2 * rs + 4 * cs] = t24 + d4;
        c[c0 + 3 * rs + 4 * cs] = t34 + d4;
    }

    /** Rows {@code i .. i + 3} (from {@code a0}, {@code k} apart) against weight rows {@code j .. j + 1} (from {@code b0}). */
    private static void tile4x2(float[] a, int a0, int k, double[] b, int b0, double[] bias, int j,
                                 double[] c, int c0, int rs, int cs) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int b1 = b0 + k;
        DoubleVector s00 = DoubleVector.zero(D), s10 = DoubleVector.zero(D), s20 = DoubleVector.zero(D), s30 = DoubleVector.zero(D);
        DoubleVector s01 = DoubleVector.zero(D), s11 = DoubleVector.zero(D), s21 = DoubleVector.zero(D), s31 = DoubleVector.zero(D);
        int vk = k - k % STEP;
        for (int p = 0; p < vk; p += STEP) {
            FloatVector f0 = FloatVector.fromArray(F, a, a0 + p);
            DoubleVector x0 = (DoubleVector) f0.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y0 = (DoubleVector) f0.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f1 = FloatVector.fromArray(F, a, a1 + p);
            DoubleVector x1 = (DoubleVector) f1.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y1 = (DoubleVector) f1.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f2 = FloatVector.fromArray(F, a, a2 + p);
            DoubleVector x2 = (DoubleVector) f2.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y2 = (DoubleVector) f2.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f3 = FloatVector.fromArray(F, a, a3 + p);
            DoubleVector x3 = (DoubleVector) f3.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y3 = (DoubleVector) f3.convertShape(VectorOperators.F2D, D, 1);
            DoubleVector v0 = DoubleVector.fromArray(D, b, b0 + p);
            DoubleVector u0 = DoubleVector.fromArray(D, b, b0 + p + L);
            s00 = y0.fma(u0, x0.fma(v0, s00));
            s10 = y1.fma(u0, x1.fma(v0, s10));
            s20 = y2.fma(u0, x2.fma(v0, s20));
            s30 = y3.fma(u0, x3.fma(v0, s30));
            DoubleVector v1 = DoubleVector.fromArray(D, b, b1 + p);
            DoubleVector u1 = DoubleVector.fromArray(D, b, b1 + p + L);
            s01 = y0.fma(u1, x0.fma(v1, s01));
            s11 = y1.fma(u1, x1.fma(v1, s11));
            s21 = y2.fma(u1, x2.fma(v1, s21));
            s31 = y3.fma(u1, x3.fma(v1, s31));
        }
        double t00 = s00.reduceLanes(VectorOperators.ADD);
        double t10 = s10.reduceLanes(VectorOperators.ADD);
        double t20 = s20.reduceLanes(VectorOperators.ADD);
        double t30 = s30.reduceLanes(VectorOperators.ADD);
        double t01 = s01.reduceLanes(VectorOperators.ADD);
        double t11 = s11.reduceLanes(VectorOperators.ADD);
        double t21 = s21.reduceLanes(VectorOperators.ADD);
        double t31 = s31.reduceLanes(VectorOperators.ADD);
        for (int p = vk; p < k; p++) {
            double x0 = a[a0 + p];
            double x1 = a[a1 + p];
            double x2 = a[a2 + p];
            double x3 = a[a3 + p];
            t00 += x0 * b[b0 + p];
            t10 += x1 * b[b0 + p];
            t20 += x2 * b[b0 + p];
            t30 += x3 * b[b0 + p];
            t01 += x0 * b[b1 + p];
            t11 += x1 * b[b1 + p];
            t21 += x2 * b[b1 + p];
            t31 += x3 * b[b1 + p];
        }
        double d0 = bias[j];
        c[c0] = t00 + d0;
        c[c0 + rs] = t10 + d0;
        c[c0 + 2 * rs] = t20 + d0;
        c[c0 + 3 * rs] = t30 + d0;
        double d1 = bias[j + 1];
        c[c0 + cs] = t01 + d1;
        c[c0 + rs + cs] = t11 + d1;
        c[c0 + 2 * rs + cs] = t21 + d1;
        c[c0 + 3 * rs + cs] = t31 + d1;
    }

    /** Rows {@code i .. i + 3} (from {@code a0}, {@code k} apart) against weight rows {@code j} (from {@code b0}). */
    private static void tile4x1(float[] a, int a0, int k, double[] b, int b0, double[] bias, int j,
                                 double[] c, int c0, int rs, int cs) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        DoubleVector s00 = DoubleVector.zero(D), s10 = DoubleVector.zero(D), s20 = DoubleVector.zero(D), s30 = DoubleVector.zero(D);
        int vk = k - k % STEP;
        for (int p = 0; p < vk; p += STEP) {
            FloatVector f0 = FloatVector.fromArray(F, a, a0 + p);
            DoubleVector x0 = (DoubleVector) f0.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y0 = (DoubleVector) f0.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f1 = FloatVector.fromArray(F, a, a1 + p);
            DoubleVector x1 = (DoubleVector) f1.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y1 = (DoubleVector) f1.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f2 = FloatVector.fromArray(F, a, a2 + p);
            DoubleVector x2 = (DoubleVector) f2.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y2 = (DoubleVector) f2.convertShape(VectorOperators.F2D, D, 1);
            FloatVector f3 = FloatVector.fromArray(F, a, a3 + p);
            DoubleVector x3 = (DoubleVector) f3.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y3 = (DoubleVector) f3.convertShape(VectorOperators.F2D, D, 1);
            DoubleVector v0 = DoubleVector.fromArray(D, b, b0 + p);
            DoubleVector u0 = DoubleVector.fromArray(D, b, b0 + p + L);
            s00 = y0.fma(u0, x0.fma(v0, s00));
            s10 = y1.fma(u0, x1.fma(v0, s10));
            s20 = y2.fma(u0, x2.fma(v0, s20));
            s30 = y3.fma(u0, x3.fma(v0, s30));
        }
        double t00 = s00.reduceLanes(VectorOperators.ADD);
        double t10 = s10.reduceLanes(VectorOperators.ADD);
        double t20 = s20.reduceLanes(VectorOperators.ADD);
        double t30 = s30.reduceLanes(VectorOperators.ADD);
        for (int p = vk; p < k; p++) {
            double x0 = a[a0 + p];
            double x1 = a[a1 + p];
            double x2 = a[a2 + p];
            double x3 = a[a3 + p];
            t00 += x0 * b[b0 + p];
            t10 += x1 * b[b0 + p];
            t20 += x2 * b[b0 + p];
            t30 += x3 * b[b0 + p];
        }
        double d0 = bias[j];
        c[c0] = t00 + d0;
        c[c0 + rs] = t10 + d0;
        c[c0 + 2 * rs] = t20 + d0;
        c[c0 + 3 * rs] = t30 + d0;
    }


    private static double dot(float[] a, int a0, double[] b, int b0, int k) {
        DoubleVector s = DoubleVector.zero(D);
        int vk = k - k % STEP;
        for (int p = 0; p < vk; p += STEP) {
            FloatVector f = FloatVector.fromArray(F, a, a0 + p);
            DoubleVector x = (DoubleVector) f.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector y = (DoubleVector) f.convertShape(VectorOperators.F2D, D, 1);
            s = y.fma(DoubleVector.fromArray(D, b, b0 + p + L), x.fma(DoubleVector.fromArray(D, b, b0 + p), s));
        }
        double t = s.reduceLanes(VectorOperators.ADD);
        for (int p = vk; p < k; p++) {
            t += a[a0 + p] * b[b0 + p];
        }
        return t;
    }
}
