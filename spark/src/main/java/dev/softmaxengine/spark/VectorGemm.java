package dev.softmaxengine.spark;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The scores {@code C = X . W^T} of a batch on the Vector API: float32 features widened to float64
 * in registers, float64 weights and accumulation, as {@code models}' scalar {@code Gemm} (which
 * stays free of the incubator module) but 5-10x faster, which is what lets the scoring keep up
 * with Spark's row handling. Only loaded after a check that {@code jdk.incubator.vector} is in the
 * module graph ({@link BatchModel}).
 *
 * <p>Tiles of 2 rows x 4 classes (then 2 x 2, then single dot products): each step loads 2
 * feature vectors and 4 weight vectors for 8 fused multiply-adds. The sums are in lane order, so they differ from the scalar GEMM's by
 * reassociation only (a few ulps of float64).
 */
final class VectorGemm {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** As many float lanes as {@link #D} has double lanes, so one load widens into one vector. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int L = D.length();

    private VectorGemm() {
    }

    /**
     * Class-major scores {@code c[j*m + i] = bias[j] + sum_p a[i*k + p] * b[j*k + p]} for
     * {@code i < m, j < n}: the layout in which the kernel's softmax over the classes (axis 0)
     * runs a vector of rows at a time.
     */
    static void scores(float[] a, int m, int k, double[] b, double[] bias, int n, double[] c) {
        int i = 0;
        for (; i + 2 <= m; i += 2) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                tile2x4(a, i * k, (i + 1) * k, k, b, j, m, c, j * m + i);
            }
            for (; j + 2 <= n; j += 2) {
                tile2x2(a, i * k, (i + 1) * k, k, b, j, m, c, j * m + i);
            }
            for (; j < n; j++) {
                c[j * m + i] = dot(a, i * k, b, j * k, k);
                c[j * m + i + 1] = dot(a, (i + 1) * k, b, j * k, k);
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[j * m + i] = dot(a, i * k, b, j * k, k);
            }
        }
        for (int j = 0; j < n; j++) {
            double bj = bias[j];
            for (int r = j * m, end = r + m; r < end; r++) {
                c[r] += bj;
            }
        }
    }

    /** Rows i, i + 1 (at a0, a1) against classes j .. j + 3 into c[c0 + class * m + row]. */
    private static void tile2x4(float[] a, int a0, int a1, int k, double[] b, int j, int m, double[] c, int c0) {
        int b0 = j * k;
        int b1 = b0 + k;
        int b2 = b1 + k;
        int b3 = b2 + k;
        DoubleVector s00 = DoubleVector.zero(D);
        DoubleVector s01 = DoubleVector.zero(D);
        DoubleVector s02 = DoubleVector.zero(D);
        DoubleVector s03 = DoubleVector.zero(D);
        DoubleVector s10 = DoubleVector.zero(D);
        DoubleVector s11 = DoubleVector.zero(D);
        DoubleVector s12 = DoubleVector.zero(D);
        DoubleVector s13 = DoubleVector.zero(D);
        int p = 0;
        for (int end = k - L; p <= end; p += L) {
            DoubleVector x0 = widen(a, a0 + p);
            DoubleVector x1 = widen(a, a1 + p);
            DoubleVector w0 = DoubleVector.fromArray(D, b, b0 + p);
            DoubleVector w1 = DoubleVector.fromArray(D, b, b1 + p);
            DoubleVector w2 = DoubleVector.fromArray(D, b, b2 + p);
            DoubleVector w3 = DoubleVector.fromArray(D, b, b3 + p);
            s00 = x0.fma(w0, s00);
            s01 = x0.fma(w1, s01);
            s02 = x0.fma(w2, s02);
            s03 = x0.fma(w3, s03);
            s10 = x1.fma(w0, s10);
            s11 = x1.fma(w1, s11);
            s12 = x1.fma(w2, s12);
            s13 = x1.fma(w3, s13);
        }
        double t00 = s00.reduceLanes(VectorOperators.ADD);
        double t01 = s01.reduceLanes(VectorOperators.ADD);
        double t02 = s02.reduceLanes(VectorOperators.ADD);
        double t03 = s03.reduceLanes(VectorOperators.ADD);
        double t10 = s10.reduceLanes(VectorOperators.ADD);
        double t11 = s11.reduceLanes(VectorOperators.ADD);
        double t12 = s12.reduceLanes(VectorOperators.ADD);
        double t13 = s13.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            double x0 = a[a0 + p];
            double x1 = a[a1 + p];
            t00 += x0 * b[b0 + p];
            t01 += x0 * b[b1 + p];
            t02 += x0 * b[b2 + p];
            t03 += x0 * b[b3 + p];
            t10 += x1 * b[b0 + p];
            t11 += x1 * b[b1 + p];
            t12 += x1 * b[b2 + p];
            t13 += x1 * b[b3 + p];
        }
        c[c0] = t00;
        c[c0 + m] = t01;
        c[c0 + 2 * m] = t02;
        c[c0 + 3 * m] = t03;
        c[c0 + 1] = t10;
        c[c0 + m + 1] = t11;
        c[c0 + 2 * m + 1] = t12;
        c[c0 + 3 * m + 1] = t13;
    }

    /** Rows i, i + 1 against classes j, j + 1: the remainder of {@link #tile2x4} for an even class count. */
    private static void tile2x2(float[] a, int a0, int a1, int k, double[] b, int j, int m, double[] c, int c0) {
        int b0 = j * k;
        int b1 = b0 + k;
        DoubleVector s00 = DoubleVector.zero(D);
        DoubleVector s01 = DoubleVector.zero(D);
        DoubleVector s10 = DoubleVector.zero(D);
        DoubleVector s11 = DoubleVector.zero(D);
        int p = 0;
        for (int end = k - L; p <= end; p += L) {
            DoubleVector x0 = widen(a, a0 + p);
            DoubleVector x1 = widen(a, a1 + p);
            DoubleVector w0 = DoubleVector.fromArray(D, b, b0 + p);
            DoubleVector w1 = DoubleVector.fromArray(D, b, b1 + p);
            s00 = x0.fma(w0, s00);
            s01 = x0.fma(w1, s01);
            s10 = x1.fma(w0, s10);
            s11 = x1.fma(w1, s11);
        }
        double t00 = s00.reduceLanes(VectorOperators.ADD);
        double t01 = s01.reduceLanes(VectorOperators.ADD);
        double t10 = s10.reduceLanes(VectorOperators.ADD);
        double t11 = s11.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            double x0 = a[a0 + p];
            double x1 = a[a1 + p];
            t00 += x0 * b[b0 + p];
            t01 += x0 * b[b1 + p];
            t10 += x1 * b[b0 + p];
            t11 += x1 * b[b1 + p];
        }
        c[c0] = t00;
        c[c0 + m] = t01;
        c[c0 + 1] = t10;
        c[c0 + m + 1] = t11;
    }

    private static double dot(float[] a, int a0, double[] b, int b0, int k) {
        DoubleVector s = DoubleVector.zero(D);
        int p = 0;
        for (int end = k - L; p <= end; p += L) {
            s = widen(a, a0 + p).fma(DoubleVector.fromArray(D, b, b0 + p), s);
        }
        double t = s.reduceLanes(VectorOperators.ADD);
        for (; p < k; p++) {
            t += a[a0 + p] * b[b0 + p];
        }
        return t;
    }

    private static DoubleVector widen(float[] a, int offset) {
        return (DoubleVector) FloatVector.fromArray(F, a, offset).convertShape(VectorOperators.F2D, D, 0);
    }
}
