package dev.softmaxengine.models.bayes;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.data.Dataset;

import java.util.List;

/**
 * What the naive Bayes models share: the kernel, the log class priors, the input width and the
 * class names with their getters, and the checks and priors of fitting.
 */
abstract class NaiveBayes implements Classifier {
    final SoftmaxKernel kernel;
    final double[] logPrior;
    final int features;
    final List<String> classNames;

    /** Fields checked by the subclass first ({@link #checkParameters}). */
    NaiveBayes(SoftmaxKernel kernel, double[] logPrior, int features, List<String> classNames) {
        this.kernel = kernel;
        this.logPrior = logPrior;
        this.features = features;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public final int features() {
        return features;
    }

    @Override
    public final List<String> classNames() {
        return classNames;
    }

    @Override
    public final SoftmaxKernel kernel() {
        return kernel;
    }

    static void checkFit(SoftmaxKernel kernel, Dataset data) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        if (data == null || data.rows() == 0) {
            throw new IllegalArgumentException("data must have at least one row");
        }
        if (data.classes() < 2) {
            throw new IllegalArgumentException("data must have >= 2 classes, had " + data.classes());
        }
    }

    static void checkParameters(SoftmaxKernel kernel, double[] logPrior, double[] perClassFeature, List<String> classNames) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        if (classNames == null || classNames.size() < 2) {
            throw new IllegalArgumentException("classNames must name >= 2 classes, was " + classNames);
        }
        if (logPrior == null || logPrior.length != classNames.size()) {
            throw new IllegalArgumentException("logPrior must have one entry per class (" + classNames.size() + "), had "
                    + (logPrior == null ? "null" : logPrior.length));
        }
        if (perClassFeature == null || perClassFeature.length == 0 || perClassFeature.length % logPrior.length != 0) {
            throw new IllegalArgumentException("per-class feature parameters must have classes x features entries, had "
                    + (perClassFeature == null ? "null" : perClassFeature.length));
        }
    }

    /**
     * {@code log(n_k / n)}; a class without rows gets {@code -inf} (never predicted), since it has no
     * likelihood estimate to speak of.
     */
    static double[] logPrior(Dataset data) {
        int[] counts = data.classCounts();
        double[] lp = new double[counts.length];
        for (int c = 0; c < counts.length; c++) {
            lp[c] = Math.log((double) counts[c] / data.rows());
        }
        return lp;
    }
}
