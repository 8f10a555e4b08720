package dev.softmaxengine.models.bayes;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linalg.Gemm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Bernoulli naive Bayes over binary features {@code b_j = [x_j > threshold]}: the log joint is
 * {@code log P(k) + sum_j [b_j log p_kj + (1 - b_j) log(1 - p_kj)]}, which is linear in {@code b}
 * ({@code bias_k + b . (log p_k - log(1 - p_k))}), so scoring is one GEMM and the posterior the
 * kernel's softmax. {@code p_kj = (count_kj + alpha) / (n_k + 2 alpha)}.
 */
public final class BernoulliNaiveBayes extends NaiveBayes {
    /** The {@link ModelFile} kind of this model. */
    public static final String KIND = "bernoulli-naive-bayes";

    private final double[] logP;
    private final double[] logNotP;
    private final double threshold;
    // Derived: bias_k = log P(k) + sum_j log(1 - p_kj), slope_kj = log p_kj - log(1 - p_kj).
    private final double[] bias;
    private final double[] slope;

    private BernoulliNaiveBayes(SoftmaxKernel kernel, double[] logPrior, double[] logP, double[] logNotP,
                                double threshold, List<String> classNames) {
        NaiveBayes.checkParameters(kernel, logPrior, logP, classNames);
        if (logNotP == null || logNotP.length != logP.length) {
            throw new IllegalArgumentException("logNotP must have " + logP.length + " entries");
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be finite, was " + threshold);
        }
        super(kernel, logPrior, logP.length / logPrior.length, classNames);
        this.logP = logP;
        this.logNotP = logNotP;
        this.threshold = threshold;
        int k = logPrior.length;
        this.bias = new double[k];
        this.slope = new double[logP.length];
        for (int c = 0; c < k; c++) {
            double b = logPrior[c];
            for (int j = 0; j < features; j++) {
                b += logNotP[c * features + j];
                slope[c * features + j] = logP[c * features + j] - logNotP[c * features + j];
            }
            bias[c] = b;
        }
    }

    /**
     * Counts, per class, how often each feature is "on" in {@code data}.
     *
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @param data labelled training rows
     * @param alpha additive smoothing, {@code > 0}
     * @param threshold a feature is "on" when it exceeds this
     * @return the fitted model
     */
    public static BernoulliNaiveBayes fit(SoftmaxKernel kernel, Dataset data, double alpha, double threshold) {
        NaiveBayes.checkFit(kernel, data);
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and > 0, was " + alpha);
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be finite, was " + threshold);
        }
        int k = data.classes();
        int d = data.features();
        float[] x = data.x();
        int[] y = data.labels();
        double[] on = new double[k * d];
        for (int i = 0; i < data.rows(); i++) {
            int base = i * d;
            int o = y[i] * d;
            for (int j = 0; j < d; j++) {
                if (x[base + j] > threshold) {
                    on[o + j]++;
                }
            }
        }
        int[] n = data.classCounts();
        double[] logP = new double[k * d];
        double[] logNotP = new double[k * d];
        for (int c = 0; c < k; c++) {
            double denominator = n[c] + 2 * alpha;
            for (int j = 0; j < d; j++) {
                double count = on[c * d + j];
                logP[c * d + j] = Math.log((count + alpha) / denominator);
                logNotP[c * d + j] = Math.log((n[c] - count + alpha) / denominator);
            }
        }
        return new BernoulliNaiveBayes(kernel, NaiveBayes.logPrior(data), logP, logNotP, threshold, data.classNames());
    }

    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        float[] b = new float[rows * features];
        int base = row * features;
        for (int i = 0; i < b.length; i++) {
            b[i] = x[base + i] > threshold ? 1f : 0f;
        }
        int k = logPrior.length;
        Gemm.multiplyTransposed(b, 0, rows, features, slope, k, out);
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < k; c++) {
                out[i * k + c] += bias[c];
            }
        }
    }

    /**
     * The binarization threshold the model was fitted with.
     *
     * @return a feature counts as "on" when it exceeds this value
     */
    public double threshold() {
        return threshold;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void save(Path path) throws IOException {
        ModelFile.builder(KIND)
                .attribute("classes", classNames)
                .attribute("threshold", threshold)
                .doubles("log_prior", logPrior, logPrior.length)
                .doubles("log_p", logP, logPrior.length, features)
                .doubles("log_not_p", logNotP, logPrior.length, features)
                .build()
                .write(path);
    }

    /**
     * The model saved in {@code file}.
     *
     * @param file a model file of kind {@link #KIND}
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @return the model
     * @throws IllegalArgumentException when the file is of another kind or its arrays do not fit
     */
    public static BernoulliNaiveBayes from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new BernoulliNaiveBayes(kernel, file.doubles("log_prior"), file.doubles("log_p"), file.doubles("log_not_p"),
                file.number("threshold"), file.strings("classes"));
    }
}
