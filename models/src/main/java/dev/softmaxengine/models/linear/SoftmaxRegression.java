package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.io.ModelFile;

import java.util.List;

/**
 * Multinomial logistic regression: {@code P(k | x) = softmax(W x + b)_k}, with {@code W} of
 * {@code K x d} and {@code b} of {@code K}. Scores of a batch are {@code X . W^T + b} (a tiled
 * GEMM); the kernel normalizes them. Train with {@link LinearTrainer#softmax}.
 */
public final class SoftmaxRegression extends AffineClassifier {
    /** The {@link ModelFile} kind of this model. */
    public static final String KIND = "softmax-regression";

    /**
     * A model with the given parameters.
     *
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @param weights row-major {@code classes x features} (copied)
     * @param bias one per class (copied)
     * @param classNames the classes in score order, at least 2 (copied)
     * @throws IllegalArgumentException when an argument is null or the lengths disagree
     */
    public SoftmaxRegression(SoftmaxKernel kernel, double[] weights, double[] bias, List<String> classNames) {
        super(kernel, weights, bias, classNames);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void scores(float[] x, int row, int rows, double[] out) {
        affine(x, row, rows, out, false);
    }

    /** The same GEMM writing class-major: strides (1, rows). */
    @Override
    public void scoresByClass(float[] x, int row, int rows, double[] out) {
        affine(x, row, rows, out, true);
    }

    @Override
    void scoresByClass(float[] x, int row, int rows, float[] out) {
        affine(x, row, rows, out);
    }

    /**
     * The model saved in {@code file}.
     *
     * @param file a model file of kind {@link #KIND}
     * @param kernel the kernel that normalizes; not null, not owned by the model
     * @return the model
     * @throws IllegalArgumentException when the file is of another kind or its arrays do not fit
     */
    public static SoftmaxRegression from(ModelFile file, SoftmaxKernel kernel) {
        file.requireKind(KIND);
        return new SoftmaxRegression(kernel, file.doubles("weights"), file.doubles("bias"), file.strings("classes"));
    }
}
