package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linalg.HostTensors;

import java.util.List;

/**
 * One-vs-rest logistic regression, as scikit-learn's {@code LogisticRegression(multi_class="ovr")}
 * and skl2onnx write it: {@code K} independent sigmoids {@code sigmoid(w_k . x + b_k)}, normalized
 * to sum 1. As a Gibbs distribution the log-potentials are {@code s_k = logsigmoid(w_k . x + b_k)}
 * (the kernel's log-sigmoid), and the kernel's softmax of them is exactly that normalization
 * {@code sigmoid(z_k) / sum_j sigmoid(z_j)}. The decision is the largest {@code z_k}.
 */
public final class OneVsRestLogistic extends AffineClassifier {
    /** The {@link ModelFile} kind of this model. */
    public static final String KIND = "ovr-logistic-regression";

    /**
     * A model with the given parameters.
     *
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @param weights row-major {@code classes x features} (copied)
     * @param bias one per class (copied)
     * @param classNames the classes in score order, at least 2 (copied)
     * @throws IllegalArgumentException when an argument is null or the lengths disagree
     */
    public OneVsRestLogistic(SoftmaxKernel kernel, double[] weights, double[] bias, List<String> classNames) {
        super(kernel, weights, bias, classNames);
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** {@code logsigmoid(W x + b)}: one GEMM, then the kernel's log-sigmoid over the batch. */
    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        affine(x, row, rows, out, false);
        Tensor t = HostTensors.vector(out, rows * classNames().size());
        kernel().logSigmoid(t, t);
    }

    @Override
    public void scoresByClass(float[] x, int row, int rows, double[] out) {
        affine(x, row, rows, out, true);
        Tensor t = HostTensors.vector(out, rows * classNames().size());
        kernel().logSigmoid(t, t);
    }

    @Override
    void scoresByClass(float[] x, int row, int rows, float[] out) {
        affine(x, row, rows, out);
        Tensor t = HostTensors.vector(out, rows * classNames().size());
        kernel().logSigmoid(t, t);
    }

    /**
     * The model saved in {@code file}.
     *
     * @param file a model file of kind {@link #KIND}
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @return the model
     * @throws IllegalArgumentException when the file is of another kind or its arrays do not fit
     */
    public static OneVsRestLogistic from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new OneVsRestLogistic(kernel, file.doubles("weights"), file.doubles("bias"), file.strings("classes"));
    }
}
