package dev.softmaxengine.models.bayes;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linalg.Gemm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Multinomial naive Bayes for count features (word counts, pixel intensities): the log joint
 * {@code log P(k) + sum_j x_j log theta_kj} is the score, so the posterior is the kernel's softmax
 * of it. {@code theta_kj = (N_kj + alpha) / (N_k + alpha d)}: Laplace smoothing at
 * {@code alpha = 1}, Lidstone below.
 */
public final class MultinomialNaiveBayes extends NaiveBayes {
    /** The {@link ModelFile} kind of this model. */
    public static final String KIND = "multinomial-naive-bayes";

    private final double[] logTheta;

    private MultinomialNaiveBayes(SoftmaxKernel kernel, double[] logPrior, double[] logTheta, List<String> classNames) {
        NaiveBayes.checkParameters(kernel, logPrior, logTheta, classNames);
        super(kernel, logPrior, logTheta.length / logPrior.length, classNames);
        this.logTheta = logTheta;
    }

    /**
     * Counts {@code data}; the features must be {@code >= 0}.
     *
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @param data labelled training rows with features {@code >= 0} (counts or frequencies)
     * @param alpha additive smoothing, {@code > 0}
     * @return the fitted model
     */
    public static MultinomialNaiveBayes fit(SoftmaxKernel kernel, Dataset data, double alpha) {
        NaiveBayes.checkFit(kernel, data);
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and > 0, was " + alpha);
        }
        int k = data.classes();
        int d = data.features();
        float[] x = data.x();
        int[] y = data.labels();
        double[] counts = new double[k * d];
        for (int i = 0; i < data.rows(); i++) {
            int base = i * d;
            int o = y[i] * d;
            for (int j = 0; j < d; j++) {
                float v = x[base + j];
                if (!(v >= 0)) {
                    throw new IllegalArgumentException("multinomial naive Bayes needs counts >= 0; row " + i + " feature " + j
                            + " is " + v);
                }
                counts[o + j] += v;
            }
        }
        double[] logTheta = new double[k * d];
        for (int c = 0; c < k; c++) {
            double total = 0;
            for (int j = 0; j < d; j++) {
                total += counts[c * d + j];
            }
            double logDenominator = Math.log(total + alpha * d);
            for (int j = 0; j < d; j++) {
                logTheta[c * d + j] = Math.log(counts[c * d + j] + alpha) - logDenominator;
            }
        }
        return new MultinomialNaiveBayes(kernel, NaiveBayes.logPrior(data), logTheta, data.classNames());
    }

    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        int k = logPrior.length;
        Gemm.multiplyTransposed(x, row * features, rows, features, logTheta, k, out);
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < k; c++) {
                out[i * k + c] += logPrior[c];
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
                .doubles("log_theta", logTheta, logPrior.length, features)
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
    public static MultinomialNaiveBayes from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new MultinomialNaiveBayes(kernel, file.doubles("log_prior"), file.doubles("log_theta"), file.strings("classes"));
    }
}
