package dev.softmaxengine.models.factor;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FactorTest {
    private static SoftmaxKernel kernel;
    private static final Variable A = new Variable("A", 2);
    private static final Variable B = new Variable("B", 2);
    private static final Variable C = new Variable("C", 3);

    @BeforeAll
    static void kernel() {
        kernel = Backends.create();
        System.out.println("FactorTest backend: " + kernel.backend());
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    @Test
    void normalizingPhiAbGivesTheGibbsDistributionWithZ64() {
        Factor phi = Factor.ofValues(kernel, List.of(A, B), 20, 25, 15, 4);
        assertEquals(64, phi.partition(), 1e-12);
        assertEquals(Math.log(64), phi.logPartition(), 1e-15);
        assertArrayEquals(new double[] {20 / 64.0, 25 / 64.0, 15 / 64.0, 4 / 64.0}, phi.probabilities(), 1e-15);
        Factor p = phi.normalize();
        assertEquals(0, p.logPartition(), 1e-15);
        assertEquals(Math.log(15 / 64.0), p.logValue(1, 0), 1e-15);
    }

    @Test
    void productSumOutAndReduceMatchTheDefinitions() {
        Random rnd = TestSupport.random("FactorTest.product");
        Factor ab = Factor.ofValues(kernel, List.of(A, B), positive(rnd, 4));
        Factor cb = Factor.ofValues(kernel, List.of(C, B), positive(rnd, 6));
        Factor prod = ab.product(cb);
        assertEquals(List.of(A, B, C), prod.scope());
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(ab.logValue(a, b) + cb.logValue(c, b), prod.logValue(a, b, c), 1e-14);
                }
            }
        }
        Factor noB = prod.sumOut(B);
        assertEquals(List.of(A, C), noB.scope());
        for (int a = 0; a < 2; a++) {
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int b = 0; b < 2; b++) {
                    sum += Math.exp(prod.logValue(a, b, c));
                }
                assertEquals(Math.log(sum), noB.logValue(a, c), 1e-13);
            }
        }
        Factor bIs1 = prod.reduce(B, 1);
        assertEquals(List.of(A, C), bIs1.scope());
        for (int a = 0; a < 2; a++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(prod.logValue(a, 1, c), bIs1.logValue(a, c), 0);
            }
        }
        Factor permuted = prod.permute(List.of(C, A, B));
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(prod.logValue(a, b, c), permuted.logValue(c, a, b), 0);
                }
            }
        }
        Factor scalar = ab.sumOut(A).sumOut(B);
        assertEquals(List.of(), scalar.scope());
        assertEquals(ab.logPartition(), scalar.logValue(), 1e-14);
    }

    @Test
    void zeroPotentialsStayZeroAndAnAllZeroFactorHasNoDistribution() {
        Factor phi = Factor.ofValues(kernel, List.of(A, B), 0, 3, 1, 0);
        assertArrayEquals(new double[] {0, 0.75, 0.25, 0}, phi.probabilities(), 1e-15);
        Factor zero = Factor.ofValues(kernel, List.of(A), 0, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, zero::normalize);
        assertEquals("factor over [A(2)] is zero everywhere; it has no distribution", e.getMessage());
    }

    @Test
    void badArgumentsAreRejectedByName() {
        assertEquals("values has 3 entries, scope [A(2), B(2)] needs 4",
                assertThrows(IllegalArgumentException.class, () -> Factor.ofValues(kernel, List.of(A, B), 1, 2, 3)).getMessage());
        assertEquals("values[1] must be finite and >= 0, was -2.0",
                assertThrows(IllegalArgumentException.class, () -> Factor.ofValues(kernel, List.of(A), 1, -2)).getMessage());
        assertEquals("scope [A(2), A(2)] names A twice",
                assertThrows(IllegalArgumentException.class, () -> Factor.ofValues(kernel, List.of(A, A), 1, 2, 3, 4)).getMessage());
        Factor phi = Factor.ofValues(kernel, List.of(A, B), 1, 2, 3, 4);
        assertEquals("variable C(3) is not in the scope [A(2), B(2)]",
                assertThrows(IllegalArgumentException.class, () -> phi.sumOut(C)).getMessage());
        assertEquals("value of B must be in [0, 2), was 2",
                assertThrows(IllegalArgumentException.class, () -> phi.reduce(B, 2)).getMessage());
        Factor wrongB = Factor.ofValues(kernel, List.of(new Variable("B", 3)), 1, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> phi.product(wrongB));
        assertThrows(IllegalArgumentException.class, () -> new Variable("X", 0));
    }

    static double[] positive(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.05 + rnd.nextDouble() * 3;
        }
        return v;
    }
}
