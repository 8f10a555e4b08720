package dev.softmaxengine.models.linalg;

import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void shortOperandsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.multiplyTransposed(new float[5], 0, 2, 3, new double[6], 2, new double[4]));
        assertEquals("a has 5 elements, needs 6 from offset 0", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.addTransposedProduct(new double[4], 2, 2, new float[6], 0, 3, new double[5]));
    }
}
