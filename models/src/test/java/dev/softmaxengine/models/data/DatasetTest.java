package dev.softmaxengine.models.data;

import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatasetTest {

    @Test
    void holdOutEveryFifthRowKeepsIrisStratified() {
        Dataset.Split s = TestSupport.tabular("iris.csv").holdOutEvery(5);
        assertEquals(120, s.train().rows());
        assertEquals(30, s.test().rows());
        assertArrayEquals(new int[] {10, 10, 10}, s.test().classCounts());
    }

    @Test
    void holdOutTakesRowsFourNineAndSoOn() {
        float[] x = new float[11];
        int[] y = new int[11];
        for (int i = 0; i < 11; i++) {
            x[i] = i;
        }
        Dataset.Split s = new Dataset(x, y, 1, List.of("only")).holdOutEvery(5);
        assertArrayEquals(new float[] {4, 9}, s.test().x());
        assertArrayEquals(new float[] {0, 1, 2, 3, 5, 6, 7, 8, 10}, s.train().x());
    }

    @Test
    void inconsistentArraysAreRejected() {
        assertEquals("x has 5 elements, 2 rows of 2 features need 4",
                assertThrows(IllegalArgumentException.class, () -> new Dataset(new float[5], new int[2], 2, List.of("a"))).getMessage());
        assertEquals("labels[1] must be in [0, 2), was 2",
                assertThrows(IllegalArgumentException.class, () -> new Dataset(new float[2], new int[] {0, 2}, 1, List.of("a", "b"))).getMessage());
    }

    @Test
    void foldingTheStandardizationGivesTheSameScoresOnRawFeatures() {
        Random rnd = TestSupport.random("DatasetTest.standardization");
        int n = 40;
        int d = 5;
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (1000 * (i % d) + rnd.nextGaussian() * (i % d + 1));
        }
        for (int i = 0; i < n; i++) {
            x[i * d + 2] = 7; // a constant feature
        }
        Dataset data = new Dataset(x, new int[n], d, List.of("a"));
        Standardization z = Standardization.fit(data);
        Dataset std = z.apply(data);
        double[] w = new double[2 * d];
        double[] b = {rnd.nextGaussian(), rnd.nextGaussian()};
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian();
        }
        double[][] expected = new double[n][2];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                double s = b[k];
                for (int j = 0; j < d; j++) {
                    s += w[k * d + j] * std.x()[i * d + j];
                }
                expected[i][k] = s;
            }
        }
        z.foldInto(w, b);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                double s = b[k];
                for (int j = 0; j < d; j++) {
                    s += w[k * d + j] * x[i * d + j];
                }
                assertEquals(expected[i][k], s, 1e-4 * (1 + Math.abs(expected[i][k])));
            }
        }
        for (int i = 0; i < n; i++) {
            assertEquals(0f, std.x()[i * d + 2], "a constant feature standardizes to 0");
        }
    }
}
