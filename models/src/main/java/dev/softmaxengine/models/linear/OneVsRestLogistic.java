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
 * One-vs-rest logistic regression, as scikit-learn's {@code LogisticRegression(multi_class="ovr")}
 * and skl2onnx write it: {@code K} independent sigmoids {@code sigmoid(w_k . x + b_k)}, normalized
 * to sum 1. As a Gibbs distribution the log-potentials are {@code s_k = logsigmoid(w_k . x + b_k)}
 * (the kernel's log-sigmoid), and the kernel's softmax of them is exactly that normalization
 * {@code sigmoid(z_k) / sum_j sigmoid(z_j)}. The decision is the largest {@code z_k}.
 */
public final class OneVsRestLogistic implements Classifier {
    public static final String KIND = "ovr-logistic-regression";

    private final SoftmaxKernel kernel;
    private final double[] weights;
    private final double[] bias;
    private final int features;
    private final List<String> classNames;

    /**
     * @param weights row-major {@code classes x features} (copied)
     * @param bias one per class (copied)
     */
    public OneVsRestLogistic(SoftmaxKernel kernel, double[] weights, double[] bias, List<String> classNames) {
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

    public double[] weights() {
        return weights.clone();
    }

    public double[] bias() {
        return bias.clone();
    }

    /** {@code logsigmoid(W x + b)}: one GEMM, then the kernel's log-sigmoid over the batch. */
    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        int k = classNames.size();
        Gemm.affine(x, row * features, rows, features, weights, bias, k, out, 0, k, 1);
        Tensor t = HostTensors.vector(out, rows * k);
        kernel.logSigmoid(t, t);
    }

    @Override
    public void scoresByClass(float[] x, int row, int rows, double[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        int k = classNames.size();
        Gemm.affine(x, row * features, rows, features, weights, bias, k, out, 0, 1, rows);
        Tensor t = HostTensors.vector(out, rows * k);
        kernel.logSigmoid(t, t);
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

    public static OneVsRestLogistic from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new OneVsRestLogistic(kernel, file.doubles("weights"), file.doubles("bias"), file.strings("classes"));
    }

    @Override
    public String toString() {
        return "OneVsRestLogistic[" + classNames.size() + " classes x " + features + " features]";
    }
}
