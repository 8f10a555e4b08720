package dev.softmaxengine.models.linalg;

import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmTest {

    @Test
    void productsMatchTheTextbookLoopsOnRaggedShapes() {
        Random rnd = TestSupport.random("GemmTest");
        int[] sizes = {1, 2, 3, 4, 5, 7, 8, 9, 13, 33};
        for (int m : sizes) {
            for (int n : sizes) {
                int k = 1 + rnd.nextInt(40);
                int offsetRows = rnd.nextInt(3);
                float[] a = new float[(m + offsetRows) * k];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) rnd.nextGaussian();
                }
                double[] b = new double[n * k];
                for (int i = 0; i < b.length; i++) {
                    b[i] = rnd.nextGaussian();
                }
                double[] c = new double[m * n];
                Gemm.multiplyTransposed(a, offsetRows * k, m, k, b, n, c);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0;
                        for (int p = 0; p < k; p++) {
                            ref += a[(offsetRows + i) * k + p] * b[j * k + p];
                        }
                        assertEquals(ref, c[i * n + j], 1e-12 * (1 + Math.abs(ref)) * k, "c[" + i + "," + j + "]");
                    }
                }
                double[] g = new double[m * n];
                for (int i = 0; i < g.length; i++) {
                    g[i] = rnd.nextGaussian();
                }
                double[] out = new double[n * k];
                double[] start = new double[n * k];
                for (int i = 0; i < out.length; i++) {
                    start[i] = out[i] = rnd.nextGaussian();
                }
                Gemm.addTransposedProduct(g, m, n, a, offsetRows * k, k, out);
                for (int j = 0; j < n; j++) {
                    for (int p = 0; p < k; p++) {
                        double ref = start[j * k + p];
                        for (int i = 0; i < m; i++) {
                            ref += g[i * n + j] * a[(offsetRows + i) * k + p];
                        }
                        assertEquals(ref, out[j * k + p], 1e-12 * (1 + Math.abs(ref)) * m, "out[" + j + "," + p + "]");
                    }
                }
            }
        }
    }

    /** Both score paths, both layouts, with and without a bias, on ragged shapes around the tile and vector widths. */
    @Test
    void affineScoresMatchTheTextbookLoopOnBothPaths() {
        assertTrue(Gemm.vectorized(), "the test JVM has jdk.incubator.vector, so the Vector API path must be taken");
        Random rnd = TestSupport.random("GemmTest.affine");
        int[] rows = {1, 3, 4, 5, 8, 9, 13};
        int[] classes = {1, 2, 3, 4, 5, 6, 7, 10, 11};
        int[] depths = {1, 3, 7, 8, 9, 16, 17, 31, 64, 100};
        for (int m : rows) {
            for (int n : classes) {
                for (int k : depths) {
                    int aOffset = rnd.nextInt(3) * k;
                    float[] a = new float[aOffset + m * k];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) rnd.nextGaussian();
                    }
                    double[] b = new double[n * k];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = rnd.nextGaussian();
                    }
                    double[] bias = rnd.nextBoolean() ? null : rnd.doubles(n).toArray();
                    boolean classMajor = rnd.nextBoolean();
                    int rs = classMajor ? 1 : n;
                    int cs = classMajor ? m : 1;
                    int cOffset = rnd.nextInt(3);
                    for (boolean vector : new boolean[] {true, false}) {
                        double[] c = new double[cOffset + m * n + 2];
                        java.util.Arrays.fill(c, Double.NaN);
                        if (vector) {
                            Gemm.affine(a, aOffset, m, k, b, bias, n, c, cOffset, rs, cs);
                        } else {
                            Gemm.scalarAffine(a, aOffset, m, k, b, bias, n, c, cOffset, rs, cs);
                        }
                        String at = (vector ? "vector" : "scalar") + " m=" + m + " n=" + n + " k=" + k
                                + (classMajor ? " class-major" : " row-major");
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double ref = bias == null ? 0 : bias[j];
                                double size = Math.abs(ref);
                                for (int p = 0; p < k; p++) {
                                    ref += a[aOffset + i * k + p] * b[j * k + p];
                                    size += Math.abs(a[aOffset + i * k + p] * b[j * k + p]);
                                }
                                assertEquals(ref, c[cOffset + i * rs + j * cs], 1e-15 * k * size, at + " c[" + i + "," + j + "]");
                            }
                        }
                        for (int q = 0; q < cOffset; q++) {
                            assertTrue(Double.isNaN(c[q]), at + ": wrote before cOffset");
                        }
                        for (int q = cOffset + m * n; q < c.length; q++) {
                            assertTrue(Double.isNaN(c[q]), at + ": wrote past the end");
                        }
                    }
                }
            }
        }
    }

    @Test
    void shortOperandsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.multiplyTransposed(new float[5], 0, 2, 3, new double[6], 2, new double[4]));
        assertEquals("a has 5 elements, needs 6 from offset 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.affine(new float[6], 0, 2, 3, new double[6], null, 2, new double[4], 1, 1, 2));
        assertEquals("c has 4 elements, needs 4 from offset 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.affine(new float[6], 0, 2, 3, new double[6], new double[1], 2, new double[4], 0, 2, 1));
        assertEquals("bias has 1 elements, needs 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.affine(new float[6], 0, 2, 3, new double[6], null, 2, new double[4], 0, 0, 1));
        assertEquals("strides must be >= 1, were 0, 1", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.addTransposedProduct(new double[4], 2, 2, new float[6], 0, 3, new double[5]));
    }
}
