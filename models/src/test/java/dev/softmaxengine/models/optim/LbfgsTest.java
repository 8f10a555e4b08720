package dev.softmaxengine.models.optim;

import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LbfgsTest {

    /**
     * The extended Rosenbrock function (Moré, Garbow and Hillstrom, 1981): independent 2-d Rosenbrock
     * valleys on pairs (x_2i, x_2i+1), unique minimum 0 at (1, ..., 1).
     */
    private static double rosenbrock(double[] x, double[] g) {
        double f = 0;
        Arrays.fill(g, 0);
        for (int i = 0; i + 1 < x.length; i += 2) {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            f += 100 * a * a + b * b;
            g[i] += -400 * x[i] * a - 2 * b;
            g[i + 1] += 200 * a;
        }
        return f;
    }

    @Test
    void findsTheRosenbrockMinimumFromTheClassicStart() {
        double[] x0 = {-1.2, 1};
        Lbfgs.Result r = new Lbfgs().tolerance(1e-12).minimize(LbfgsTest::rosenbrock, x0);
        assertTrue(r.converged(), r.toString());
        assertEquals(1, r.x()[0], 1e-5);
        assertEquals(1, r.x()[1], 1e-5);
        assertEquals(-1.2, x0[0], 0, "x0 must not be modified");
        assertTrue(r.iterations() < 100, "iterations " + r.iterations());
    }

    @Test
    void findsTheMinimumOfHighDimensionalRosenbrockFromRandomStarts() {
        Random rnd = TestSupport.random("LbfgsTest.rosenbrock");
        for (int t = 0; t < 5; t++) {
            double[] x0 = new double[20];
            for (int i = 0; i < x0.length; i++) {
                x0[i] = rnd.nextDouble() * 4 - 2;
            }
            Lbfgs.Result r = new Lbfgs().tolerance(1e-14).maxIterations(2000).minimize(LbfgsTest::rosenbrock, x0);
            assertTrue(r.value() < 1e-9, "f = " + r.value() + " after " + r);
        }
    }

    @Test
    void solvesAnIllConditionedQuadratic() {
        // f = 1/2 sum c_i (x_i - t_i)^2 with curvatures over four decades.
        Random rnd = TestSupport.random("LbfgsTest.quadratic");
        int n = 50;
        double[] c = new double[n];
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            c[i] = Math.pow(10, 4.0 * i / (n - 1) - 2);
            t[i] = rnd.nextGaussian();
        }
        DifferentiableFunction f = (x, g) -> {
            double v = 0;
            for (int i = 0; i < n; i++) {
                double e = x[i] - t[i];
                v += 0.5 * c[i] * e * e;
                g[i] = c[i] * e;
            }
            return v;
        };
        Lbfgs.Result r = new Lbfgs().tolerance(1e-15).maxIterations(5000).minimize(f, new double[n]);
        assertTrue(r.converged(), r.toString());
        for (int i = 0; i < n; i++) {
            assertEquals(t[i], r.x()[i], 1e-5 / Math.sqrt(c[i]), "x[" + i + "]");
        }
    }

    @Test
    void stopsAtTheIterationLimitAndSaysSo() {
        int[] seen = {0};
        Lbfgs.Result r = new Lbfgs().maxIterations(3).tolerance(0).listener((k, f, g, e) -> seen[0] = k)
                .minimize(LbfgsTest::rosenbrock, new double[] {-1.2, 1});
        assertEquals(Lbfgs.Termination.MAX_ITERATIONS, r.termination());
        assertFalse(r.converged());
        assertEquals(3, r.iterations());
        assertEquals(3, seen[0]);
        assertTrue(r.value() < rosenbrock(new double[] {-1.2, 1}, new double[2]), "each iteration lowers f");
    }

    @Test
    void stopsAtOnceAtAStationaryPoint() {
        Lbfgs.Result r = new Lbfgs().minimize(LbfgsTest::rosenbrock, new double[] {1, 1});
        assertEquals(Lbfgs.Termination.GRADIENT, r.termination());
        assertEquals(0, r.iterations());
        assertEquals(1, r.evaluations());
    }

    @Test
    void cubicInterpolationFindsTheMinimumOfACubic() {
        // phi(a) = (a - 1)^3 - 3 (a - 1): local minimum at a = 2.
        double a = 0.5;
        double b = 3;
        double m = Lbfgs.cubicMinimizer(a, cubic(a), dcubic(a), b, cubic(b), dcubic(b));
        assertEquals(2, m, 1e-12);
        assertTrue(Double.isNaN(Lbfgs.cubicMinimizer(0, 0, 1, 1, Double.POSITIVE_INFINITY, 1)));
    }

    private static double cubic(double a) {
        return Math.pow(a - 1, 3) - 3 * (a - 1);
    }

    private static double dcubic(double a) {
        return 3 * Math.pow(a - 1, 2) - 3;
    }

    @Test
    void rejectsBadSettingsAndAnUnusableStart() {
        assertEquals("maxIterations must be >= 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> new Lbfgs().maxIterations(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs().tolerance(-1));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs().tolerance(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs().memory(0));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs().minimize(LbfgsTest::rosenbrock, new double[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Lbfgs().minimize((x, g) -> Double.NaN, new double[] {1}));
        assertEquals("f(x0) = NaN; the start point must have a finite value and gradient", e.getMessage());
    }

    @Test
    void backsOffFromStepsWhereTheFunctionOverflows() {
        // exp(x) + exp(-x) overflows for |x| > 709; the first trial steps of a far start do.
        DifferentiableFunction f = (x, g) -> {
            g[0] = Math.exp(x[0]) - Math.exp(-x[0]);
            return Math.exp(x[0]) + Math.exp(-x[0]);
        };
        Lbfgs.Result r = new Lbfgs().tolerance(1e-12).minimize(f, new double[] {30});
        assertEquals(0, r.x()[0], 1e-5);
        assertEquals(2, r.value(), 1e-9);
    }
}
