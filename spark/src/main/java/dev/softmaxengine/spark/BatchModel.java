package dev.softmaxengine.spark;

import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.linear.SoftmaxRegression;

/**
 * One executor's scorer of one model: the probabilities and predictions of a row-major float32
 * batch, class-major ({@code p[c * rows + i]}), so that the kernel's softmax and argmax run along
 * axis 0 with the rows across the vector lanes; along the last axis a 10-class row would fill one
 * masked vector per step, at a fraction of the speed.
 *
 * <p>A {@link SoftmaxRegression} gets its scores from {@link VectorGemm} when the JVM has the
 * Vector API (then only the GEMM's summation order differs from {@link Classifier#probabilities});
 * every other classifier, and every classifier on a JVM without it, scores through its own
 * {@link Classifier#scores}. Thread-safe.
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
        if (classifier instanceof SoftmaxRegression linear
                && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            return new BatchModel(classifier, linear.weights(), linear.bias());
        }
        return new BatchModel(classifier, null, null);
    }

    /**
     * {@code P(c | x_i)} of rows {@code [0, rows)} of {@code x} into {@code p[c * rows + i]} and the
     * most probable class into {@code predicted[i]}; {@code p} has exactly {@code rows * classes}
     * elements, {@code predicted} {@code rows}. {@code scratch} holds at least as many as {@code p}.
     */
    void score(float[] x, int rows, double[] p, int[] predicted, double[] scratch) {
        int k = classifier.classes();
        if (weights != null) {
            VectorGemm.scores(x, rows, classifier.features(), weights, bias, k, p);
        } else {
            classifier.scores(x, 0, rows, scratch);
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < k; c++) {
                    p[c * rows + i] = scratch[i * k + c];
                }
            }
        }
        Tensor t = Tensor.of(p, k, rows);
        classifier.kernel().softmax(t, t, 0);
        classifier.kernel().argmax(t, predicted, 0);
    }
}
