package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linalg.Gemm;
import dev.softmaxengine.models.linalg.HostTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Binary logistic regression, the 2-class softmax regression with class 0's score pinned at 0:
 * scores {@code [0, z]} with {@code z = w . x + b}, so {@code P(1 | x) = softmax([0, z])_1 =
 * sigmoid(z)}. Probabilities go through the kernel's sigmoid, log-probabilities through its
 * log-sigmoid. Train with {@link LinearTrainer#logistic}.
 */
public final class LogisticRegression implements Classifier {
    /** The {@link ModelFile} kind of this model. */
    public static final String KIND = "logistic-regression";

    private final SoftmaxKernel kernel;
    private final double[] weights;
    private final double bias;
    private final List<String> classNames;

    /**
     * A model with the given parameters.
     *
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @param weights one per feature, not empty (copied)
     * @param bias the intercept {@code b}, finite
     * @param classNames exactly 2: the class of {@code y = 0}, then of {@code y = 1}
     * @throws IllegalArgumentException when an argument is null, empty or not finite
     */
    public LogisticRegression(SoftmaxKernel kernel, double[] weights, double bias, List<String> classNames) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        if (weights == null || weights.length == 0) {
            throw new IllegalArgumentException("weights must be a non-empty array");
        }
        if (!Double.isFinite(bias)) {
            throw new IllegalArgumentException("bias must be finite, was " + bias);
        }
        if (classNames == null || classNames.size() != 2) {
            throw new IllegalArgumentException("classNames must name exactly 2 classes, was " + classNames);
        }
        this.kernel = kernel;
        this.weights = weights.clone();
        this.bias = bias;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int features() {
        return weights.length;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public SoftmaxKernel kernel() {
        return kernel;
    }

    /**
     * The weights {@code w}.
     *
     * @return a copy, one per feature
     */
    public double[] weights() {
        return weights.clone();
    }

    /**
     * The intercept.
     *
     * @return {@code b}, finite
     */
    public double bias() {
        return bias;
    }

    /**
     * The log-odds {@code z = log P(1|x) / P(0|x) = w . x + b} of each row into {@code out[0 .. rows)}.
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0
     * @param out receives one log-odds per row; at least {@code rows} long
     * @throws IllegalArgumentException when {@code x} or {@code out} is too short
     */
    public void decision(float[] x, int row, int rows, double[] out) {
        if (x == null || row < 0 || rows < 0 || ((long) row + rows) * weights.length > x.length) {
            throw new IllegalArgumentException("x must hold rows [" + row + ", " + (row + rows) + ") of " + weights.length
                    + " features");
        }
        if (out == null || out.length < rows) {
            throw new IllegalArgumentException("out must hold " + rows + " values");
        }
        Gemm.multiplyTransposed(x, row * weights.length, rows, weights.length, weights, 1, out);
        for (int i = 0; i < rows; i++) {
            out[i] += bias;
        }
    }

    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        double[] z = new double[rows];
        decision(x, row, rows, z);
        for (int i = 0; i < rows; i++) {
            out[2 * i] = 0;
            out[2 * i + 1] = z[i];
        }
    }

    /** {@code [sigmoid(-z), sigmoid(z)]} per row: one kernel sigmoid over the interleaved {@code [-z, z]}. */
    @Override
    public void probabilities(float[] x, int row, int rows, double[] out) {
        signedLogOdds(x, row, rows, out);
        Tensor t = HostTensors.vector(out, 2 * rows);
        kernel.sigmoid(t, t);
    }

    /** {@code [sigmoid(-z) for every row, then sigmoid(z) for every row]}: one kernel sigmoid, as {@link #probabilities}. */
    @Override
    public void probabilitiesByClass(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        decision(x, row, rows, out);
        for (int i = 0; i < rows; i++) {
            out[rows + i] = out[i];
            out[i] = -out[i];
        }
        Tensor t = HostTensors.vector(out, 2 * rows);
        kernel.sigmoid(t, t);
    }

    /** {@code [logsigmoid(-z), logsigmoid(z)]} per row, exact in both tails. */
    @Override
    public void logProbabilities(float[] x, int row, int rows, double[] out) {
        signedLogOdds(x, row, rows, out);
        Tensor t = HostTensors.vector(out, 2 * rows);
        kernel.logSigmoid(t, t);
    }

    private void signedLogOdds(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        double[] z = new double[rows];
        decision(x, row, rows, z);
        for (int i = 0; i < rows; i++) {
            out[2 * i] = -z[i];
            out[2 * i + 1] = z[i];
        }
    }

    @Override
    public void save(Path path) throws IOException {
        ModelFile.builder(KIND)
                .attribute("classes", classNames)
                .attribute("bias", bias)
                .doubles("weights", weights, weights.length)
                .build()
                .write(path);
    }

    /**
     * The model saved in {@code file}.
     *
     * @param file a model file of kind {@link #KIND}
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @return the model
     * @throws IllegalArgumentException when the file is of another kind or its values do not fit
     */
    public static LogisticRegression from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new LogisticRegression(kernel, file.doubles("weights"), file.number("bias"), file.strings("classes"));
    }

    @Override
    public String toString() {
        return "LogisticRegression[" + weights.length + " features]";
    }
}
