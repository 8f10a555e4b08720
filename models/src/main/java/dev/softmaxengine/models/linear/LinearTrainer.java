package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.Standardization;
import dev.softmaxengine.models.linalg.Gemm;
import dev.softmaxengine.models.linalg.HostTensors;
import dev.softmaxengine.models.optim.Lbfgs;

import java.util.Arrays;

/**
 * Maximum a posteriori training of {@link SoftmaxRegression} and {@link LogisticRegression} with
 * L-BFGS: maximizes {@code sum_i log P(y_i | x_i) - alpha * sum w^2}. The biases are not
 * penalized (a penalty on them would pull the class priors towards uniform). The likelihood's
 * normalization, its gradient {@code softmax(scores) - onehot(y)} and the loss {@code logsumexp -
 * score_y} all come from the kernel's softmax / logsumexp (sigmoid / log-sigmoid for the binary
 * model), evaluated over row blocks on {@link #threads} threads.
 *
 * <p>With {@link #standardize} (the default) the features are z-scored for the optimization and the
 * transform is folded back into the weights, so the penalty acts on standardized weights and the
 * saved model reads raw features. Configure with the fluent setters; reusable.
 */
public final class LinearTrainer {
    private final SoftmaxKernel kernel;
    private double alpha = 1e-4;
    private double tolerance = 1e-9;
    private int maxIterations = 1000;
    private int threads = Runtime.getRuntime().availableProcessors();
    private boolean standardize = true;
    private Lbfgs.Listener listener = (k, f, g, e) -> { };

    /**
     * A trainer whose models normalize with {@code kernel}.
     *
     * @param kernel used for every softmax and logsumexp of training and by the trained model; not owned
     */
    public LinearTrainer(SoftmaxKernel kernel) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        this.kernel = kernel;
    }

    /**
     * The L2 penalty {@code alpha * sum w^2} (on the summed, not the mean, log-likelihood). Default 1e-4.
     *
     * @param a the penalty weight, finite and at least 0
     * @return this trainer
     */
    public LinearTrainer alpha(double a) {
        if (!(a >= 0) || Double.isInfinite(a)) {
            throw new IllegalArgumentException("alpha must be finite and >= 0, was " + a);
        }
        this.alpha = a;
        return this;
    }

    /**
     * L-BFGS relative tolerance ({@link Lbfgs#tolerance}). Default 1e-9.
     *
     * @param t the tolerance, finite and at least 0
     * @return this trainer
     */
    public LinearTrainer tolerance(double t) {
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, was " + t);
        }
        this.tolerance = t;
        return this;
    }

    /**
     * L-BFGS iteration limit. Default 1000.
     *
     * @param n the most iterations, at least 1
     * @return this trainer
     */
    public LinearTrainer maxIterations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, was " + n);
        }
        this.maxIterations = n;
        return this;
    }

    /**
     * Threads for the gradient. Default: the available processors.
     *
     * @param n threads, at least 1
     * @return this trainer
     */
    public LinearTrainer threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + n);
        }
        this.threads = n;
        return this;
    }

    /**
     * Whether to z-score features while optimizing. Default true.
     *
     * @param s true to optimize on standardized features (the saved weights apply to raw ones)
     * @return this trainer
     */
    public LinearTrainer standardize(boolean s) {
        this.standardize = s;
        return this;
    }

    /**
     * Called after every L-BFGS iteration.
     *
     * @param l the listener; not null
     * @return this trainer
     */
    public LinearTrainer listener(Lbfgs.Listener l) {
        if (l == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        this.listener = l;
        return this;
    }

    /**
     * A trained model and how its optimization went.
     *
     * @param <M> the model type
     * @param model the trained model
     * @param optimization the L-BFGS run: iterations, final objective, whether it converged
     * @param seconds wall time of the training in seconds
     */
    public record Training<M>(M model, Lbfgs.Result optimization, double seconds) {
    }

    /**
     * Fits a softmax regression over all of {@code data}'s classes.
     *
     * @param data labelled training rows, at least 2 classes
     * @return the model and its optimization
     */
    public Training<SoftmaxRegression> softmax(Dataset data) {
        requireRows(data);
        if (data.classes() < 2) {
            throw new IllegalArgumentException("data must have >= 2 classes, had " + data.classes());
        }
        long start = System.nanoTime();
        Standardization z = standardize ? Standardization.fit(data) : null;
        Dataset train = z == null ? data : z.apply(data);
        int k = data.classes();
        int d = data.features();
        Lbfgs.Result r;
        try (SoftmaxObjective objective = new SoftmaxObjective(kernel, train, alpha, threads)) {
            r = optimizer().minimize(objective, new double[k * d + k]);
        }
        double[] w = Arrays.copyOf(r.x(), k * d);
        double[] b = Arrays.copyOfRange(r.x(), k * d, k * d + k);
        if (z != null) {
            z.foldInto(w, b);
        }
        SoftmaxRegression model = new SoftmaxRegression(kernel, w, b, data.classNames());
        return new Training<>(model, r, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Fits a binary logistic regression; {@code data} must have exactly two classes, 0 and 1.
     *
     * @param data labelled training rows of exactly two classes
     * @return the model and its optimization
     */
    public Training<LogisticRegression> logistic(Dataset data) {
        requireRows(data);
        if (data.classes() != 2) {
            throw new IllegalArgumentException("data must have exactly 2 classes for logistic regression, had "
                    + data.classes() + "; use softmax");
        }
        long start = System.nanoTime();
        Standardization z = standardize ? Standardization.fit(data) : null;
        Dataset train = z == null ? data : z.apply(data);
        int d = data.features();
        Lbfgs.Result r;
        try (LogisticObjective objective = new LogisticObjective(kernel, train, alpha, threads)) {
            r = optimizer().minimize(objective, new double[d + 1]);
        }
        double[] w = Arrays.copyOf(r.x(), d);
        double[] b = {r.x()[d]};
        if (z != null) {
            z.foldInto(w, b);
        }
        LogisticRegression model = new LogisticRegression(kernel, w, b[0], data.classNames());
        return new Training<>(model, r, (System.nanoTime() - start) / 1e9);
    }

    private Lbfgs optimizer() {
        return new Lbfgs().tolerance(tolerance).maxIterations(maxIterations).listener(listener);
    }

    private static void requireRows(Dataset data) {
        if (data == null || data.rows() == 0) {
            throw new IllegalArgumentException("data must have at least one row");
        }
    }

    /**
     * {@code sum_i [logsumexp(s_i) - s_{i,y_i}] + alpha |W|^2}, parameters {@code [W (K x d), b (K)]}.
     * Gradient: {@code (softmax(S) - Y)^T X + 2 alpha W} and the column sums of {@code softmax(S) - Y}.
     */
    static final class SoftmaxObjective extends RowBlockObjective {
        private final SoftmaxKernel kernel;
        private final double alpha;
        private final int k;
        private final int d;

        SoftmaxObjective(SoftmaxKernel kernel, Dataset data, double alpha, int threads) {
            super(data, data.classes() * data.features() + data.classes(), threads);
            this.kernel = kernel;
            this.alpha = alpha;
            this.k = data.classes();
            this.d = data.features();
        }

        @Override
        double block(double[] params, int from, int to, double[] gradient) {
            float[] x = data.x();
            int[] y = data.labels();
            int biasAt = k * d;
            double[] s = new double[BATCH * k];
            double[] lse = new double[BATCH];
            double loss = 0;
            for (int r0 = from; r0 < to; r0 += BATCH) {
                int m = Math.min(BATCH, to - r0);
                Gemm.multiplyTransposed(x, r0 * d, m, d, params, k, s);
                for (int i = 0; i < m; i++) {
                    for (int c = 0; c < k; c++) {
                        s[i * k + c] += params[biasAt + c];
                    }
                }
                kernel.logSumExp(HostTensors.matrix(s, m, k), HostTensors.vector(lse, m), -1, false);
                for (int i = 0; i < m; i++) {
                    loss += lse[i] - s[i * k + y[r0 + i]];
                }
                kernel.softmax(HostTensors.matrix(s, m, k), HostTensors.matrix(s, m, k), -1);
                for (int i = 0; i < m; i++) {
                    s[i * k + y[r0 + i]] -= 1;
                    for (int c = 0; c < k; c++) {
                        gradient[biasAt + c] += s[i * k + c];
                    }
                }
                Gemm.addTransposedProduct(s, m, k, x, r0 * d, d, gradient);
            }
            return loss;
        }

        @Override
        double penalty(double[] params, double[] gradient) {
            double p = 0;
            for (int i = 0; i < k * d; i++) {
                p += params[i] * params[i];
                gradient[i] += 2 * alpha * params[i];
            }
            return alpha * p;
        }
    }

    /**
     * {@code -sum_i logsigmoid(t_i z_i) + alpha |w|^2} with {@code t = 2y - 1}, {@code z = w.x + b},
     * parameters {@code [w (d), b]}. Gradient: {@code (sigmoid(z) - y)^T X + 2 alpha w}.
     */
    static final class LogisticObjective extends RowBlockObjective {
        private final SoftmaxKernel kernel;
        private final double alpha;
        private final int d;

        LogisticObjective(SoftmaxKernel kernel, Dataset data, double alpha, int threads) {
            super(data, data.features() + 1, threads);
            this.kernel = kernel;
            this.alpha = alpha;
            this.d = data.features();
        }

        @Override
        double block(double[] params, int from, int to, double[] gradient) {
            float[] x = data.x();
            int[] y = data.labels();
            double[] z = new double[BATCH];
            double[] t = new double[BATCH];
            double loss = 0;
            for (int r0 = from; r0 < to; r0 += BATCH) {
                int m = Math.min(BATCH, to - r0);
                Gemm.multiplyTransposed(x, r0 * d, m, d, params, 1, z);
                for (int i = 0; i < m; i++) {
                    z[i] += params[d];
                    t[i] = y[r0 + i] == 1 ? z[i] : -z[i];
                }
                kernel.logSigmoid(HostTensors.vector(t, m), HostTensors.vector(t, m));
                kernel.sigmoid(HostTensors.vector(z, m), HostTensors.vector(z, m));
                for (int i = 0; i < m; i++) {
                    loss -= t[i];
                    z[i] -= y[r0 + i];
                    gradient[d] += z[i];
                }
                Gemm.addTransposedProduct(z, m, 1, x, r0 * d, d, gradient);
            }
            return loss;
        }

        @Override
        double penalty(double[] params, double[] gradient) {
            double p = 0;
            for (int i = 0; i < d; i++) {
                p += params[i] * params[i];
                gradient[i] += 2 * alpha * params[i];
            }
            return alpha * p;
        }
    }
}
