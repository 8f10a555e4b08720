package dev.softmaxengine.models.optim;

import java.util.Arrays;

/**
 * Limited-memory BFGS (Nocedal, 1980; Liu and Nocedal, 1989) with a strong-Wolfe line search
 * (Nocedal and Wright, <i>Numerical Optimization</i>, 2nd ed., algorithms 3.5 and 3.6, cubic
 * interpolation in the zoom). Configure with the fluent setters, then {@link #minimize}.
 *
 * <p>Stops at the first of: the gradient test {@code max|g_i| <= tolerance * max(1, |f|)}; the
 * relative decrease test {@code (f_prev - f) <= tolerance * max(1, |f_prev|, |f|)} (scipy's
 * {@code ftol}); {@code maxIterations}; or a line search that finds no acceptable step even along
 * the steepest descent direction, which happens at the limit of floating-point precision. Either
 * way the best point found is returned. Not thread-safe; one instance per optimization.
 */
public final class Lbfgs {
    /** An optimizer with the defaults below. */
    public Lbfgs() {
    }


    /** Why the optimization stopped. */
    public enum Termination {
        /** The gradient test passed. */
        GRADIENT,
        /** The relative decrease of f fell below the tolerance. */
        FUNCTION,
        /** The iteration limit was reached first. */
        MAX_ITERATIONS,
        /** No step satisfied the line search, even along -gradient: f cannot be lowered at this precision. */
        LINE_SEARCH
    }

    /**
     * The minimizer found, its value and gradient size, and what it cost.
     *
     * @param x the best point found
     * @param value {@code f(x)}
     * @param gradientNorm the Euclidean norm of the gradient at {@code x}
     * @param iterations iterations run (one line search each)
     * @param evaluations function and gradient evaluations, line searches included
     * @param termination why it stopped
     */
    public record Result(double[] x, double value, double gradientNorm, int iterations, int evaluations,
                         Termination termination) {
        /**
         * Whether a convergence test (or the limit of precision) stopped it.
         *
         * @return true unless the iteration limit stopped it
         */
        public boolean converged() {
            return termination != Termination.MAX_ITERATIONS;
        }
    }

    /** Called after every iteration, e.g. to print progress. */
    @FunctionalInterface
    public interface Listener {
        /**
         * Called after each iteration.
         *
         * @param iteration the iteration just finished, from 1
         * @param value {@code f} at the new point
         * @param gradientNorm the gradient's Euclidean norm there
         * @param evaluations function evaluations so far
         */
        void iteration(int iteration, double value, double gradientNorm, int evaluations);
    }

    // Sufficient decrease and curvature constants of the strong Wolfe conditions (Nocedal & Wright, p. 142).
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;

    private int maxIterations = 1000;
    private double tolerance = 1e-9;
    private int memory = 10;
    private int maxLineSearchEvaluations = 30;
    private Listener listener = (k, f, g, e) -> { };

    /**
     * Upper bound on iterations (one line search each). Default 1000.
     *
     * @param n the most iterations, at least 1
     * @return this optimizer
     */
    public Lbfgs maxIterations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, was " + n);
        }
        this.maxIterations = n;
        return this;
    }

    /**
     * Relative tolerance of the gradient and decrease tests. Default 1e-9.
     *
     * @param t the tolerance, finite and at least 0
     * @return this optimizer
     */
    public Lbfgs tolerance(double t) {
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, was " + t);
        }
        this.tolerance = t;
        return this;
    }

    /**
     * Number of correction pairs kept. Default 10.
     *
     * @param m pairs, at least 1; each costs two vectors of the problem's size
     * @return this optimizer
     */
    public Lbfgs memory(int m) {
        if (m < 1) {
            throw new IllegalArgumentException("memory must be >= 1, was " + m);
        }
        this.memory = m;
        return this;
    }

    /**
     * Function evaluations allowed per line search. Default 30.
     *
     * @param n evaluations, at least 1
     * @return this optimizer
     */
    public Lbfgs maxLineSearchEvaluations(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("maxLineSearchEvaluations must be >= 2, was " + n);
        }
        this.maxLineSearchEvaluations = n;
        return this;
    }

    /**
     * Called after every iteration. Default: nothing.
     *
     * @param l the listener; not null
     * @return this optimizer
     */
    public Lbfgs listener(Listener l) {
        if (l == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        this.listener = l;
        return this;
    }

    /**
     * Minimizes {@code fn} from {@code x0} (not modified).
     *
     * @param fn the objective
     * @param x0 the starting point
     * @return the best point found and why the search stopped
     * @throws IllegalArgumentException when {@code f(x0)} or its gradient is not finite
     */
    public Result minimize(DifferentiableFunction fn, double[] x0) {
        if (fn == null) {
            throw new IllegalArgumentException("fn must not be null");
        }
        if (x0 == null || x0.length == 0) {
            throw new IllegalArgumentException("x0 must be a non-empty array");
        }
        return new Run(fn, x0).run();
    }

    /** The state of one minimization. */
    private final class Run {
        private final DifferentiableFunction fn;
        private final int n;
        private final double[] x;
        private final double[] g;
        private final double[] d;
        private final double[] xTrial;
        private final double[] gTrial;
        private final double[] xLo;
        private final double[] gLo;
        private final double[][] s;
        private final double[][] y;
        private final double[] rho;
        private final double[] alphas;
        private int stored;
        private int newest = -1;
        private int evaluations;
        private double f;
        private double fTrial;

        Run(DifferentiableFunction fn, double[] x0) {
            this.fn = fn;
            this.n = x0.length;
            this.x = x0.clone();
            this.g = new double[n];
            this.d = new double[n];
            this.xTrial = new double[n];
            this.gTrial = new double[n];
            this.xLo = new double[n];
            this.gLo = new double[n];
            this.s = new double[memory][n];
            this.y = new double[memory][n];
            this.rho = new double[memory];
            this.alphas = new double[memory];
        }

        Result run() {
            f = fn.valueAndGradient(x, g);
            evaluations = 1;
            if (!Double.isFinite(f) || !allFinite(g)) {
                throw new IllegalArgumentException("f(x0) = " + f + (allFinite(g) ? "" : " with a non-finite gradient")
                        + "; the start point must have a finite value and gradient");
            }
            Termination why = null;
            int k = 0;
            while (why == null) {
                if (normInf(g) <= tolerance * Math.max(1, Math.abs(f))) {
                    why = Termination.GRADIENT;
                    break;
                }
                if (k >= maxIterations) {
                    why = Termination.MAX_ITERATIONS;
                    break;
                }
                boolean steepest = stored == 0;
                direction();
                double slope = dot(g, d);
                if (!(slope < 0)) {
                    // Rounding broke the descent property: restart from steepest descent.
                    stored = 0;
                    steepest = true;
                    direction();
                    slope = dot(g, d);
                }
                double step = steepest ? Math.min(1.0, 1.0 / norm2(d)) : 1.0;
                double accepted = lineSearch(slope, step);
                if (accepted < 0 && !steepest) {
                    stored = 0;
                    direction();
                    slope = dot(g, d);
                    accepted = lineSearch(slope, Math.min(1.0, 1.0 / norm2(d)));
                }
                if (accepted < 0) {
                    why = Termination.LINE_SEARCH;
                    break;
                }
                double fPrev = f;
                update();
                k++;
                listener.iteration(k, f, normInf(g), evaluations);
                if (fPrev - f <= tolerance * Math.max(1, Math.max(Math.abs(fPrev), Math.abs(f)))) {
                    why = Termination.FUNCTION;
                }
            }
            return new Result(x.clone(), f, normInf(g), k, evaluations, why);
        }

        /** d = -H g by the two-loop recursion; H = I before any correction pair is stored. */
        private void direction() {
            for (int i = 0; i < n; i++) {
                d[i] = -g[i];
            }
            if (stored == 0) {
                return;
            }
            for (int j = 0, i = newest; j < stored; j++, i = (i - 1 + memory) % memory) {
                alphas[i] = rho[i] * dot(s[i], d);
                axpy(-alphas[i], y[i], d);
            }
            // Initial Hessian scale s'y / y'y (Nocedal & Wright, eq. 7.20).
            double gamma = 1.0 / (rho[newest] * dot(y[newest], y[newest]));
            for (int i = 0; i < n; i++) {
                d[i] *= gamma;
            }
            int oldest = (newest - stored + 1 + memory) % memory;
            for (int j = 0, i = oldest; j < stored; j++, i = (i + 1) % memory) {
                double beta = rho[i] * dot(y[i], d);
                axpy(alphas[i] - beta, s[i], d);
            }
        }

        /** Moves to the accepted trial point and stores the correction pair when its curvature is positive. */
        private void update() {
            double sy = 0;
            double yy = 0;
            for (int i = 0; i < n; i++) {
                double si = xTrial[i] - x[i];
                double yi = gTrial[i] - g[i];
                sy += si * yi;
                yy += yi * yi;
            }
            // Strong Wolfe guarantees s'y > 0 in exact arithmetic; skip pairs rounding has spoiled.
            if (sy > 1e-12 * yy && yy > 0) {
                int slot = (newest + 1) % memory;
                for (int i = 0; i < n; i++) {
                    s[slot][i] = xTrial[i] - x[i];
                    y[slot][i] = gTrial[i] - g[i];
                }
                rho[slot] = 1.0 / sy;
                newest = slot;
                stored = Math.min(stored + 1, memory);
            }
            System.arraycopy(xTrial, 0, x, 0, n);
            System.arraycopy(gTrial, 0, g, 0, n);
            f = fTrial;
        }

        private double evaluate(double alpha) {
            for (int i = 0; i < n; i++) {
                xTrial[i] = x[i] + alpha * d[i];
            }
            evaluations++;
            fTrial = fn.valueAndGradient(xTrial, gTrial);
            return fTrial;
        }

        /**
         * Finds a step satisfying the strong Wolfe conditions along {@code d}; on success the point
         * is in {@code xTrial, gTrial, fTrial} and the step is returned, else -1.
         */
        private double lineSearch(double slope0, double alpha) {
            double f0 = f;
            double aPrev = 0;
            double fPrev = f0;
            double dPrev = slope0;
            int budget = maxLineSearchEvaluations;
            for (int i = 0; budget > 0; i++) {
                double fa = evaluate(alpha);
                budget--;
                double da = dot(gTrial, d);
                if (!(fa <= f0 + C1 * alpha * slope0) || (i > 0 && fa >= fPrev) || !Double.isFinite(da)) {
                    return zoom(f0, slope0, aPrev, fPrev, dPrev, alpha, fa, da, budget);
                }
                if (Math.abs(da) <= -C2 * slope0) {
                    return alpha;
                }
                if (da >= 0) {
                    saveLo();
                    return zoom(f0, slope0, alpha, fa, da, aPrev, fPrev, dPrev, budget);
                }
                saveLo();
                aPrev = alpha;
                fPrev = fa;
                dPrev = da;
                alpha *= 2;
            }
            return aPrev > 0 ? restoreLo(aPrev, fPrev) : -1;
        }

        /** Algorithm 3.6: {@code lo} satisfies sufficient decrease with the lowest f seen; the minimizer lies between lo and hi. */
        private double zoom(double f0, double slope0, double lo, double fLo, double dLo,
                            double hi, double fHi, double dHi, int budget) {
            while (budget > 0) {
                double width = Math.abs(hi - lo);
                if (width <= 1e-14 * Math.max(Math.abs(lo), Math.abs(hi))) {
                    break;
                }
                double a = cubicMinimizer(lo, fLo, dLo, hi, fHi, dHi);
                double margin = 0.1 * width;
                double left = Math.min(lo, hi) + margin;
                double right = Math.max(lo, hi) - margin;
                if (!(a >= left && a <= right)) {
                    a = 0.5 * (lo + hi);
                }
                double fa = evaluate(a);
                budget--;
                double da = dot(gTrial, d);
                if (!(fa <= f0 + C1 * a * slope0) || fa >= fLo || !Double.isFinite(da)) {
                    hi = a;
                    fHi = fa;
                    dHi = da;
                } else {
                    if (Math.abs(da) <= -C2 * slope0) {
                        return a;
                    }
                    if (da * (hi - lo) >= 0) {
                        hi = lo;
                        fHi = fLo;
                        dHi = dLo;
                    }
                    lo = a;
                    fLo = fa;
                    dLo = da;
                    saveLo();
                }
            }
            // Out of budget or the bracket collapsed: settle for lo when it lowered f.
            return lo > 0 && fLo < f0 ? restoreLo(lo, fLo) : -1;
        }

        private void saveLo() {
            System.arraycopy(xTrial, 0, xLo, 0, n);
            System.arraycopy(gTrial, 0, gLo, 0, n);
        }

        private double restoreLo(double alpha, double fLo) {
            System.arraycopy(xLo, 0, xTrial, 0, n);
            System.arraycopy(gLo, 0, gTrial, 0, n);
            fTrial = fLo;
            return alpha;
        }
    }

    /**
     * The minimizer of the cubic matching f and f' at a and b (Nocedal & Wright, eq. 3.59); NaN
     * when that cubic has no minimizer or an endpoint is not finite.
     */
    static double cubicMinimizer(double a, double fa, double da, double b, double fb, double db) {
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double disc = d1 * d1 - da * db;
        if (!(disc >= 0) || !Double.isFinite(disc)) {
            return Double.NaN;
        }
        double d2 = Math.signum(b - a) * Math.sqrt(disc);
        return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double alpha, double[] xs, double[] ys) {
        for (int i = 0; i < xs.length; i++) {
            ys[i] += alpha * xs[i];
        }
    }

    private static double normInf(double[] v) {
        double m = 0;
        for (double e : v) {
            m = Math.max(m, Math.abs(e));
        }
        return m;
    }

    private static double norm2(double[] v) {
        return Math.sqrt(dot(v, v));
    }

    private static boolean allFinite(double[] v) {
        return Arrays.stream(v).allMatch(Double::isFinite);
    }
}
