package dev.softmaxengine.spark;

import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.linalg.Gemm;
import dev.softmaxengine.models.linear.SoftmaxRegression;

/**
 * One executor's scorer of one model: the probabilities and predictions of a row-major float32
 * batch, class-major ({@code p[c * rows + i]}), so that the kernel's softmax and argmax run along
 * axis 0 with the rows across the vector lanes; along the last axis a 10-class row would fill one
 * masked vector per step, at a fraction of the speed.
 *
 * <p>A {@link SoftmaxRegression}'s scores come straight out of {@link Gemm#affine} in that layout,
 * the same products its own {@link Classifier#scores} computes row-major; every other classifier
 * scores through its own {@link Classifier#scores}, transposed. Thread-safe.
 */
final class BatchModel {
    private final Classifier classifier;
    /** Row-major classes x features, or null when the classifier scores itself. */
    private final double[] weights;
    private final double[] bias;

    private BatchModel(Classifier classifier, double[] weights, double[] bias) {
        this.classifier = classifier;
        this.weights = weights;
        this.bias = bias;
    }

    static BatchModel of(Classifier classifier) {
        if (classifier instanceof SoftmaxRegression linear) {
            return new BatchModel(classifier, linear.weights(), linear.bias());
        }
        return new BatchModel(classifier, null, null);
    }

    /**
     * The scores of rows {@code [0, rows)} of the row-major batch {@code x} into
     * {@code p[c * stride + col + i]}: columns {@code col ..} of a class-major block whose rows are
     * {@code stride} long. {@code scratch} holds at least {@code rows * classes} doubles.
     */
    void scores(float[] x, int rows, double[] p, int col, int stride, double[] scratch) {
        int k = classifier.classes();
        if (weights != null) {
            Gemm.affine(x, 0, rows, classifier.features(), weights, bias, k, p, col, 1, stride);
        } else {
            classifier.scores(x, 0, rows, scratch);
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < k; c++) {
                    p[c * stride + col + i] = scratch[i * k + c];
                }
            }
        }
    }

    /**
     * Scores in {@code p[c * rows + i]} (exactly {@code rows * classes} of them) to {@code P(c | x_i)}
     * in place, and the most probable class of each row into {@code predicted[i]}.
     */
    void normalize(double[] p, int rows, int[] predicted) {
        Tensor t = Tensor.of(p, classifier.classes(), rows);
        classifier.kernel().softmax(t, t, 0);
        classifier.kernel().argmax(t, predicted, 0);
    }
}
