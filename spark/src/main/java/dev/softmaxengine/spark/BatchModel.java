package dev.softmaxengine.spark;

import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.linalg.HostTensors;
import dev.softmaxengine.models.linear.SoftmaxRegression;

/**
 * One executor's scorer of one model: probabilities and predictions of a row-major float32 batch.
 * A {@link SoftmaxRegression} gets its scores from {@link VectorGemm} when the JVM has the Vector
 * API (then only the GEMM differs from {@link Classifier#probabilities}, by reassociation); every
 * other classifier, and every classifier on a JVM without it, scores through its own methods. The
 * normalization and the decision are the kernel's softmax and argmax either way. Thread-safe.
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

    Classifier classifier() {
        return classifier;
    }

    /** {@code P(k | x)} of rows {@code [0, rows)} of {@code x} into {@code out[0 .. rows*classes)}. */
    void probabilities(float[] x, int rows, double[] out) {
        if (weights == null) {
            classifier.probabilities(x, 0, rows, out);
            return;
        }
        int k = bias.length;
        VectorGemm.multiplyTransposed(x, rows, classifier.features(), weights, k, out);
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < k; c++) {
                out[i * k + c] += bias[c];
            }
        }
        Tensor t = HostTensors.matrix(out, rows, k);
        classifier.kernel().softmax(t, t, -1);
    }

    /** The kernel's argmax of each of the {@code predicted.length} rows of {@code p}. */
    void predict(double[] p, int[] predicted) {
        classifier.kernel().argmax(HostTensors.matrix(p, predicted.length, classifier.classes()), predicted, -1);
    }
}
