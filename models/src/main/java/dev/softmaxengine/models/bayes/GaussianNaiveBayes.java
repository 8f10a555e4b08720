package dev.softmaxengine.models.bayes;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.io.ModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Gaussian naive Bayes: each feature normal within each class, so the log joint is
 * {@code log P(k) - 1/2 sum_j [log(2 pi var_kj) + (x_j - mu_kj)^2 / var_kj]} and the posterior
 * the kernel's softmax of it. Every variance gets {@code varSmoothing * (largest feature variance)}
 * added (scikit-learn's rule), so constant features do not divide by zero.
 */
public final class GaussianNaiveBayes extends NaiveBayes {
    /** The {@link ModelFile} kind of this model. */
    public static final String KIND = "gaussian-naive-bayes";

    private final double[] mean;
    private final double[] variance;
    // Derived: log P(k) - 1/2 sum_j log(2 pi var_kj), and 1 / var.
    private final double[] constant;
    private final double[] precision;

    private GaussianNaiveBayes(SoftmaxKernel kernel, double[] logPrior, double[] mean, double[] variance,
                               List<String> classNames) {
        NaiveBayes.checkParameters(kernel, logPrior, mean, classNames);
        if (variance == null || variance.length != mean.length) {
            throw new IllegalArgumentException("variance must have " + mean.length + " entries");
        }
        for (int i = 0; i < variance.length; i++) {
            if (!(variance[i] > 0) || Double.isInfinite(variance[i])) {
                throw new IllegalArgumentException("variance[" + i + "] must be finite and > 0, was " + variance[i]);
            }
        }
        super(kernel, logPrior, mean.length / logPrior.length, classNames);
        this.mean = mean;
        this.variance = variance;
        int k = logPrior.length;
        this.constant = new double[k];
        this.precision = new double[variance.length];
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int j = 0; j < features; j++) {
                s += Math.log(2 * Math.PI * variance[c * features + j]);
                precision[c * features + j] = 1 / variance[c * features + j];
            }
            constant[c] = logPrior[c] - 0.5 * s;
        }
    }

    /**
     * Estimates each class's prior and per-feature mean and variance from {@code data}.
     *
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @param data labelled training rows
     * @param varSmoothing fraction of the largest feature variance added to every variance, {@code >= 0} (1e-9 is usual)
     * @return the fitted model
     */
    public static GaussianNaiveBayes fit(SoftmaxKernel kernel, Dataset data, double varSmoothing) {
        NaiveBayes.checkFit(kernel, data);
        if (!(varSmoothing >= 0) || Double.isInfinite(varSmoothing)) {
            throw new IllegalArgumentException("varSmoothing must be finite and >= 0, was " + varSmoothing);
        }
        int k = data.classes();
        int d = data.features();
        float[] x = data.x();
        int[] y = data.labels();
        int[] n = data.classCounts();
        double[] mean = new double[k * d];
        double[] m2 = new double[k * d];
        int[] seen = new int[k];
        // Welford's update per class: stable for features with large offsets.
        for (int i = 0; i < data.rows(); i++) {
            int c = y[i];
            int t = ++seen[c];
            int o = c * d;
            for (int j = 0; j < d; j++) {
                double v = x[i * d + j];
                double delta = v - mean[o + j];
                mean[o + j] += delta / t;
                m2[o + j] += delta * (v - mean[o + j]);
            }
        }
        double largest = 0;
        double[] overall = new double[d];
        double[] overallM2 = new double[d];
        for (int i = 0; i < data.rows(); i++) {
            for (int j = 0; j < d; j++) {
                double v = x[i * d + j];
                double delta = v - overall[j];
                overall[j] += delta / (i + 1);
                overallM2[j] += delta * (v - overall[j]);
            }
        }
        for (int j = 0; j < d; j++) {
            largest = Math.max(largest, overallM2[j] / data.rows());
        }
        double epsilon = varSmoothing * largest;
        if (!(epsilon > 0)) {
            // All features constant (or no smoothing): keep variances positive.
            epsilon = Double.MIN_NORMAL;
        }
        double[] variance = new double[k * d];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                variance[c * d + j] = (n[c] > 0 ? m2[c * d + j] / n[c] : 1.0) + epsilon;
            }
        }
        return new GaussianNaiveBayes(kernel, NaiveBayes.logPrior(data), mean, variance, data.classNames());
    }

    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        int k = logPrior.length;
        for (int i = 0; i < rows; i++) {
            int base = (row + i) * features;
            for (int c = 0; c < k; c++) {
                int o = c * features;
                double q = 0;
                for (int j = 0; j < features; j++) {
                    double delta = x[base + j] - mean[o + j];
                    q += delta * delta * precision[o + j];
                }
                out[i * k + c] = constant[c] - 0.5 * q;
            }
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void save(Path path) throws IOException {
        ModelFile.builder(KIND)
                .attribute("classes", classNames)
                .doubles("log_prior", logPrior, logPrior.length)
                .doubles("mean", mean, logPrior.length, features)
                .doubles("variance", variance, logPrior.length, features)
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
    public static GaussianNaiveBayes from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new GaussianNaiveBayes(kernel, file.doubles("log_prior"), file.doubles("mean"), file.doubles("variance"),
                file.strings("classes"));
    }
}
