package dev.softmaxengine.models;

import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.linalg.HostTensors;

import java.util.Locale;

/**
 * How a classifier does on labelled data: accuracy, mean log-loss {@code -1/n sum log P(y|x)} and
 * the confusion matrix ({@code confusion[true][predicted]}).
 *
 * @param rows labelled rows evaluated
 * @param correct rows whose prediction equals the label, at most {@code rows}
 * @param logLoss mean negative log-probability of the true class in nats, at least 0
 * @param confusion {@code classes x classes} counts indexed {@code [true][predicted]}, or an empty
 *     array above {@link #CONFUSION_MAX_CLASSES} classes
 */
public record Evaluation(int rows, int correct, double logLoss, int[][] confusion) {
    private static final int BATCH = 4096;
    /** Most log-probabilities one batch holds (128 MiB): many classes mean fewer rows per batch. */
    private static final int BATCH_ELEMENTS = 1 << 24;
    /**
     * Most classes the confusion matrix is kept for: it is classes^2 counts (4 MiB here), and a
     * table nobody could read; above it {@link #confusion()} is empty.
     */
    public static final int CONFUSION_MAX_CLASSES = 1024;

    /**
     * Whether {@link #confusion()} holds the matrix.
     *
     * @return false for more than {@link #CONFUSION_MAX_CLASSES} classes
     */
    public boolean hasConfusion() {
        return confusion.length > 0;
    }

    /**
     * The fraction of rows predicted right.
     *
     * @return {@code correct / rows} in [0, 1]; NaN for no rows
     */
    public double accuracy() {
        return rows == 0 ? Double.NaN : (double) correct / rows;
    }

    /**
     * Scores {@code data} in batches: the kernel's log-softmax for the loss, its argmax for the decision.
     *
     * @param model the classifier; its features must match the data's
     * @param data labelled rows whose labels are class indices of {@code model}
     * @return the accuracy, log-loss and confusion matrix
     */
    public static Evaluation of(Classifier model, Dataset data) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        if (data.features() != model.features()) {
            throw new IllegalArgumentException("data has " + data.features() + " features, the model reads " + model.features());
        }
        int k = model.classes();
        if (data.classes() > k) {
            throw new IllegalArgumentException("data has " + data.classes() + " classes, the model knows " + k);
        }
        boolean keepConfusion = k <= CONFUSION_MAX_CLASSES;
        int[][] confusion = keepConfusion ? new int[k][k] : new int[0][];
        int batch = Math.min(Math.max(1, BATCH_ELEMENTS / k), BATCH);
        double[] logP = new double[Math.min(batch, Math.max(data.rows(), 1)) * k];
        int[] predicted = new int[Math.min(batch, Math.max(data.rows(), 1))];
        int correct = 0;
        double loss = 0;
        for (int r0 = 0; r0 < data.rows(); r0 += batch) {
            int m = Math.min(batch, data.rows() - r0);
            model.logProbabilities(data.x(), r0, m, logP);
            int[] pred = m == predicted.length ? predicted : new int[m];
            model.kernel().argmax(HostTensors.matrix(logP, m, k), pred, -1);
            for (int i = 0; i < m; i++) {
                int y = data.labels()[r0 + i];
                loss -= logP[i * k + y];
                if (keepConfusion) {
                    confusion[y][pred[i]]++;
                }
                if (pred[i] == y) {
                    correct++;
                }
            }
        }
        return new Evaluation(data.rows(), correct, data.rows() == 0 ? Double.NaN : loss / data.rows(), confusion);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "accuracy %.4f (%d/%d), log-loss %.4f", accuracy(), correct, rows, logLoss);
    }
}
