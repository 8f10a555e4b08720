package dev.softmaxengine.models.linalg;

import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FloatAffine} against a float64 reference over the float64 weights, held to the bound its
 * javadoc states: {@code |c - ref| <= gamma(k + 2) (|b| + sum_p |x_p w_p|)}, u = 2^-24.
 */
class FloatAffineTest {
    private static final double U = 0x1p-24;

    private static double gamma(int j) {
        return j * U / (1 - j * U);
    }

    /** How the test fills features and weights. */
    private enum Values { GAUSSIAN, SPREAD, CANCELLING, ALL_EQUAL }

    private static double value(Random rnd, Values v, int index) {
        return switch (v) {
            case GAUSSIAN -> rnd.nextGaussian();
            // Magnitudes 2^-30 .. 2^30, either sign: the sum is dominated by a few terms.
            case SPREAD -> (rnd.nextBoolean() ? 1 : -1) * Math.scalb(1 + rnd.nextDouble(), rnd.nextInt(61) - 30);
            // Terms in pairs of nearly opposite products: the result is far below sum |x w|.
            case CANCELLING -> (index % 2 == 0 ? 1 : -1) * (1e4 + rnd.nextDouble());
            case ALL_EQUAL -> 0.1;
        };
    }

    /** Ragged sizes around the tiles (8 and 32 rows, 5 classes) and the vector width (16 lanes here), on every path. */
    @Test
    void scoresAreWithinTheFloat32BoundOfTheFloat64Reference() {
        assertTrue(FloatAffine.vectorized(), "the test JVM has jdk.incubator.vector, so the Vector API path must be taken");
        Random rnd = TestSupport.random("FloatAffineTest");
        int[] rows = {1, 3, 7, 8, 9, 16, 17, 31, 32, 33, 64, 65, 100};
        int[] classes = {1, 2, 3, 4, 5, 6, 10, 11, 15, 16, 17, 33};
        int[] depths = {0, 1, 3, 7, 8, 15, 16, 17, 63, 64, 65, 100, 128, 129, 255, 256, 257, 784};
        double worst = 0;
        for (Values values : Values.values()) {
            for (int m : rows) {
                for (int n : classes) {
                    int k = depths[rnd.nextInt(depths.length)];
                    int aOffset = rnd.nextInt(3) * k;
                    float[] a = new float[aOffset + m * k];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) value(rnd, values, i);
                    }
                    double[] w = new double[n * k];
                    for (int i = 0; i < w.length; i++) {
                        // Weights of the same pattern times a double that float32 must round.
                        w[i] = value(rnd, values, i) * (values == Values.CANCELLING ? 1 : 1 + 1e-9 * rnd.nextGaussian());
                    }
                    double[] bias = rnd.nextBoolean() ? null : rnd.doubles(n, -2, 2).toArray();
                    FloatAffine f = new FloatAffine(w, bias, n, k);
                    float[] c = new float[m * n + 2];
                    Arrays.fill(c, Float.NaN);
                    f.applyByClass(a, aOffset, m, c);
                    String at = values + " m=" + m + " n=" + n + " k=" + k;
                    float[] dots = new float[m * n];
                    f.dotProducts(a, aOffset, m, dots);
                    // The row blocks on every depth, where the JVM has 16 float lanes; else the plain path stands in.
                    float[] blocks = new float[m * n + 2];
                    Arrays.fill(blocks, Float.NaN);
                    if (FloatAffine.transposing()) {
                        f.rowBlocks(a, aOffset, m, blocks);
                    } else {
                        f.scalarAffine(a, aOffset, m, blocks);
                    }
                    if (FloatAffine.dotProductsFor(k)) {
                        assertTrue(Arrays.equals(c, 0, m * n, dots, 0, m * n), at + ": not the dot products");
                        f.scalarAffine(a, aOffset, m, c); // the sequential paths below are held to the plain one
                    } else if (FloatAffine.rowBlocksFor(k)) {
                        assertTrue(Arrays.equals(c, 0, m * n, blocks, 0, m * n), at + ": not the row blocks");
                        f.scalarAffine(a, aOffset, m, c);
                    }
                    // Every other path sums in the same order: bit-identical results.
                    float[] other = new float[m * n];
                    f.scalarAffine(a, aOffset, m, other);
                    assertTrue(Arrays.equals(c, 0, m * n, other, 0, m * n), at + ": the plain path differs");
                    f.classesAcrossLanes(a, aOffset, m, other);
                    assertTrue(Arrays.equals(c, 0, m * n, other, 0, m * n), at + ": classes across lanes differs");
                    if (FloatAffine.transposing()) {
                        f.rowsAcrossLanes(a, aOffset, m, other);
                        assertTrue(Arrays.equals(c, 0, m * n, other, 0, m * n), at + ": rows across lanes differs");
                    }
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double b = bias == null ? 0 : bias[j];
                            double ref = b;
                            double size = Math.abs(b);
                            for (int p = 0; p < k; p++) {
                                double t = a[aOffset + i * k + p] * w[j * k + p];
                                ref += t;
                                size += Math.abs(t);
                            }
                            double bound = gamma(k + 2) * size;
                            for (float[] path : new float[][] {c, dots, blocks}) {
                                double err = Math.abs(path[j * m + i] - ref);
                                String name = path == dots ? " dot products" : path == blocks ? " row blocks" : "";
                                assertTrue(err <= bound, at + name + " c[" + i + "," + j + "] = " + path[j * m + i]
                                        + ", float64 " + ref + ": |diff| " + err + " > bound " + bound);
                                if (size > 0) {
                                    worst = Math.max(worst, err / bound);
                                }
                            }
                        }
                    }
                    for (int q = m * n; q < c.length; q++) {
                        assertTrue(Float.isNaN(c[q]), at + ": wrote past the end");
                        assertTrue(Float.isNaN(blocks[q]), at + ": the row blocks wrote past the end");
                    }
                }
            }
        }
        System.out.printf("FloatAffine: worst |diff| / bound %.3f on random rows%n", worst);
    }

    /**
     * The bound is reached by the sequential order (the plain path, which the vector paths below
     * {@link FloatAffine#DOT_PRODUCT_FEATURES} equal bit for bit): a bias of 1 and k products each
     * just under half an ulp of 1, so every addition rounds back to 1 and the error grows by about u
     * per feature, while the float64 sum is {@code 1 + k t}. The float32 result stays 1, at
     * {@code k / (k + 2)} of the bound. The dot products' partial sums stay well inside it.
     */
    @Test
    void theBoundIsReachedWhenEveryAdditionRoundsTheSameWay() {
        float t = 0x1p-24f - 0x1p-34f;
        for (int k : new int[] {16, 17, 64, 784}) {
            int m = 9;
            int n = 3;
            float[] a = new float[m * k];
            Arrays.fill(a, 1f);
            double[] w = new double[n * k];
            Arrays.fill(w, t);
            double[] bias = {1, 1, 1};
            float[] c = new float[m * n];
            FloatAffine f = new FloatAffine(w, bias, n, k);
            f.scalarAffine(a, 0, m, c);
            double ref = 1 + (double) k * t;
            double bound = gamma(k + 2) * ref;
            for (float v : c) {
                assertEquals(1f, v, "k=" + k);
                double err = ref - v;
                assertTrue(err <= bound && err >= 0.85 * bound, "k=" + k + ": |diff| " + err + ", bound " + bound);
            }
            f.applyByClass(a, 0, m, c);
            for (float v : c) {
                assertTrue(Math.abs(ref - v) <= bound, "k=" + k + ": " + v);
            }
        }
    }

    /** Infinities and NaN in the features give what the float64 sum gives (as long as float32 does not overflow). */
    @Test
    void infinitiesAndNanPropagateAsInFloat64() {
        for (int k : new int[] {37, FloatAffine.DOT_PRODUCT_FEATURES + 3}) {
            nonFinite(k);
        }
    }

    private static void nonFinite(int k) {
        int n = 17;
        int m = 35;
        Random rnd = TestSupport.random("FloatAffineTest.nonFinite");
        float[] a = new float[m * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        a[3] = Float.POSITIVE_INFINITY;
        a[k + 5] = Float.NEGATIVE_INFINITY;
        a[2 * k + 7] = Float.NaN;
        a[3 * k] = Float.POSITIVE_INFINITY;
        a[3 * k + 1] = Float.NEGATIVE_INFINITY;
        double[] w = new double[n * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian();
        }
        w[5] = 0; // class 0 of row 1: -inf * 0 = NaN
        float[] c = new float[m * n];
        new FloatAffine(w, null, n, k).applyByClass(a, 0, m, c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double ref = 0;
                for (int p = 0; p < k; p++) {
                    ref += a[i * k + p] * w[j * k + p];
                }
                float got = c[j * m + i];
                if (Double.isNaN(ref) || Double.isInfinite(ref)) {
                    assertEquals((float) ref, got, "c[" + i + "," + j + "]");
                } else {
                    assertTrue(Float.isFinite(got), "c[" + i + "," + j + "] = " + got);
                }
            }
        }
        assertTrue(Float.isNaN(c[1]) && Float.isNaN(c[2]), "-inf * 0 and NaN give NaN");
        assertTrue(Float.isInfinite(c[m]), "+inf gives an infinity");
    }

    @Test
    void badArgumentsAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FloatAffine(new double[5], null, 2, 3));
        assertEquals("weights must have n x k = 6 elements, had 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FloatAffine(new double[6], new double[3], 2, 3));
        assertEquals("bias must have 2 elements, had 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FloatAffine(new double[0], null, 0, 3));
        assertEquals("n must be >= 1 and k >= 0, were 0, 3", e.getMessage());
        FloatAffine f = new FloatAffine(new double[6], null, 2, 3);
        e = assertThrows(IllegalArgumentException.class, () -> f.applyByClass(new float[5], 0, 2, new float[4]));
        assertEquals("a has 5 elements, needs 6 from offset 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f.applyByClass(new float[6], 0, 2, new float[3]));
        assertEquals("c has 3 elements, 2 x 2 results need 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f.applyByClass(new float[6], 0, -1, new float[4]));
        assertEquals("m must be >= 0, was -1", e.getMessage());
    }
}
