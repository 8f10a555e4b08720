package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linalg.Gemm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Multinomial logistic regression: {@code P(k | x) = softmax(W x + b)_k}, with {@code W} of
 * {@code K x d} and {@code b} of {@code K}. Scores of a batch are {@code X . W^T + b} (a tiled
 * GEMM); the kernel normalizes them. Train with {@link LinearTrainer#softmax}.
 */
public final class SoftmaxRegression implements Classifier {
    public static final String KIND = "softmax-regression";

    private final SoftmaxKernel kernel;
    private final double[] weights;
    private final double[] bias;
    private final int features;
    private final List<String> classNames;

    /**
     * @param weights row-major {@code classes x features} (copied)
     * @param bias one per class (copied)
     */
    public SoftmaxRegression(SoftmaxKernel kernel, double[] weights, double[] bias, List<String> classNames) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        if (classNames == null || classNames.size() < 2) {
            throw new IllegalArgumentException("classNames must name >= 2 classes, was " + classNames);
        }
        int k = classNames.size();
        if (bias == null || bias.length != k) {
            throw new IllegalArgumentException("bias must have " + k + " elements (one per class), had "
                    + (bias == null ? "null" : bias.length));
        }
        if (weights == null || weights.length == 0 || weights.length % k != 0) {
            throw new IllegalArgumentException("weights must have classes x features elements for " + k + " classes, had "
                    + (weights == null ? "null" : weights.length));
        }
        this.kernel = kernel;
        this.weights = weights.clone();
        this.bias = bias.clone();
        this.features = weights.length / k;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public SoftmaxKernel kernel() {
        return kernel;
    }

    /** A copy of {@code W}, row-major {@code classes x features}. */
    public double[] weights() {
        return weights.clone();
    }

    /** A copy of {@code b}. */
    public double[] bias() {
        return bias.clone();
    }

    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        Gemm.affine(x, row * features, rows, features, weights, bias, classNames.size(), out, 0, classNames.size(), 1);
    }

    /** The same GEMM writing class-major: strides (1, rows). */
    @Override
    public void scoresByClass(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        Gemm.affine(x, row * features, rows, features, weights, bias, classNames.size(), out, 0, 1, rows);
    }

    @Override
    public void save(Path path) throws IOException {
        ModelFile.builder(KIND)
                .attribute("classes", classNames)
                .doubles("weights", weights, classNames.size(), features)
                .doubles("bias", bias, classNames.size())
                .build()
                .write(path);
    }

    /** The model saved in {@code file}. */
    public static SoftmaxRegression from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new SoftmaxRegression(kernel, file.doubles("weights"), file.doubles("bias"), file.strings("classes"));
    }

    @Override
    public String toString() {
        return "SoftmaxRegression[" + classNames.size() + " classes x " + features + " features]";
    }
}
