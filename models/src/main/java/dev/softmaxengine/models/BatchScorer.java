package dev.softmaxengine.models;

import dev.softmaxengine.models.data.RowSource;
import dev.softmaxengine.models.linalg.ClassMajorArgmax;

import java.io.IOException;

/**
 * Scores a {@link RowSource} batch by batch, so a file of any size streams through a fixed amount
 * of memory: read a batch, the float32 class-major
 * {@link Classifier#probabilitiesByClass(float[], int, int, float[])} (the kernel's softmax across
 * the rows), the argmax across the rows ({@link ClassMajorArgmax}), hand both to a {@link Sink}, count the correct ones, report progress.
 */
public final class BatchScorer {

    /** Progress after each batch; {@code total} is -1 when the source does not declare it. */
    @FunctionalInterface
    public interface Progress {
        /**
         * Called after each batch, on the scoring thread.
         *
         * @param done rows scored so far, at least 1
         * @param total rows the source declares, or -1 when it declares none
         */
        void update(long done, long total);
    }

    /** Receives each scored batch: {@code rows} predictions and {@code rows x classes} probabilities (row-major). */
    @FunctionalInterface
    public interface Sink {
        /**
         * Takes one batch; the arrays are reused for the next batch, so copy what must outlive the call.
         *
         * @param rows rows in this batch, at least 1; the arrays may be longer
         * @param labels the source's class index of each row, -1 where it has none
         * @param predicted the predicted class index of each row, in {@code [0, classes)}
         * @param probabilities {@code rows x classes} probabilities in [0, 1], row-major
         * @throws IOException when the sink cannot write
         */
        void accept(int rows, int[] labels, int[] predicted, double[] probabilities) throws IOException;
    }

    /**
     * Totals of one run. {@code labelled} rows had a label (a source writes -1 for none), and
     * {@code correct} of them were predicted right. {@code seconds} is the wall time including
     * reading; {@code scoringSeconds} only the scoring (GEMM + softmax + argmax).
     *
     * @param rows rows scored
     * @param labelled rows that had a label, at most {@code rows}
     * @param correct labelled rows predicted right, at most {@code labelled}
     * @param seconds wall time of the run in seconds, reading included
     * @param scoringSeconds seconds spent scoring, at most {@code seconds}
     */
    public record Summary(long rows, long labelled, long correct, double seconds, double scoringSeconds) {
        /**
         * Accuracy on the labelled rows.
         *
         * @return {@code correct / labelled} in [0, 1]; NaN when no row was labelled
         */
        public double accuracy() {
            return labelled == 0 ? Double.NaN : (double) correct / labelled;
        }

        /**
         * End-to-end throughput.
         *
         * @return rows per second, reading included
         */
        public double rowsPerSecond() {
            return rows / seconds;
        }

        /**
         * Throughput of the scoring alone.
         *
         * @return rows per second of GEMM, softmax and argmax, reading excluded
         */
        public double scoringRowsPerSecond() {
            return rows / scoringSeconds;
        }
    }

    /**
     * Most elements one batch array may hold (a float[] of features or a double[] of
     * probabilities, 256 MiB at most): a batch is a unit of streaming, and a huge one only trades
     * constant memory for an OutOfMemoryError.
     */
    public static final int MAX_BATCH_ELEMENTS = 1 << 25;

    private final Classifier model;
    private final int batchRows;

    /**
     * A scorer that reads and scores {@code batchRows} rows at a time.
     *
     * @param model the classifier; not null
     * @param batchRows rows per batch, at least 1, and within {@link #MAX_BATCH_ELEMENTS} for the model's width
     * @throws IllegalArgumentException when {@code model} is null or {@code batchRows} is out of range
     */
    public BatchScorer(Classifier model, int batchRows) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        if (batchRows < 1) {
            throw new IllegalArgumentException("batchRows must be >= 1, was " + batchRows);
        }
        requireBatchFits("batchRows", batchRows, model);
        this.model = model;
        this.batchRows = batchRows;
    }

    /**
     * Throws unless {@code rows} rows of {@code model}'s features and classes fit a batch of
     * {@link #MAX_BATCH_ELEMENTS}; {@code name} is the argument or option that chose the size.
     *
     * @param name the argument or option named in the message, e.g. {@code --batch}
     * @param rows the proposed rows per batch
     * @param model the classifier whose features and classes size the batch arrays; not null
     * @throws IllegalArgumentException naming the largest row count that fits
     */
    public static void requireBatchFits(String name, int rows, Classifier model) {
        long width = Math.max(model.features(), model.classes());
        long elements = rows * width;
        if (elements > MAX_BATCH_ELEMENTS) {
            throw new IllegalArgumentException(name + " = " + rows + " rows of " + model.features() + " features and "
                    + model.classes() + " classes take " + elements + " elements per batch array, more than "
                    + MAX_BATCH_ELEMENTS + "; use at most " + Math.max(1, MAX_BATCH_ELEMENTS / width) + " rows");
        }
    }

    /**
     * Scores every row of {@code source}.
     *
     * @param source the rows to score; its {@code features()} must equal the model's
     * @param progress told after each batch; null for none
     * @param sink receives each scored batch; null to keep only the totals
     * @return the run's totals
     * @throws IOException when reading the source or writing to the sink fails
     * @throws IllegalArgumentException when the source's width differs from the model's, or a label is not one of its classes
     */
    public Summary score(RowSource source, Progress progress, Sink sink) throws IOException {
        if (source.features() != model.features()) {
            throw new IllegalArgumentException("source has " + source.features() + " features, the model reads "
                    + model.features());
        }
        int k = model.classes();
        float[] x = new float[batchRows * model.features()];
        int[] labels = new int[batchRows];
        float[] byClass = new float[batchRows * k];
        int[] predicted = new int[batchRows];
        double[] p = new double[batchRows * k];
        long start = System.nanoTime();
        long scoring = 0;
        long rows = 0;
        long correct = 0;
        long labelled = 0;
        int m;
        while ((m = source.read(x, labels, batchRows)) > 0) {
            long t0 = System.nanoTime();
            // Class-major float32: the kernel's softmax runs across the rows (Classifier#probabilitiesByClass), then the argmax.
            model.probabilitiesByClass(x, 0, m, byClass);
            // The kernel's rule (first maximum, NaN the maximum) across the rows: see ClassMajorArgmax for why not the kernel's.
            ClassMajorArgmax.argmax(byClass, k, m, predicted);
            scoring += System.nanoTime() - t0;
            if (sink != null) {
                for (int c = 0; c < k; c++) {
                    for (int i = 0; i < m; i++) {
                        p[i * k + c] = byClass[c * m + i];
                    }
                }
            }
            for (int i = 0; i < m; i++) {
                if (labels[i] < 0) {
                    continue;
                }
                labelled++;
                if (labels[i] >= k) {
                    throw new IllegalArgumentException("row " + (rows + i) + " has label " + labels[i] + "; the model has "
                            + k + " classes");
                }
                if (predicted[i] == labels[i]) {
                    correct++;
                }
            }
            if (sink != null) {
                sink.accept(m, labels, predicted, p);
            }
            rows += m;
            if (progress != null) {
                progress.update(rows, source.declaredRows());
            }
        }
        return new Summary(rows, labelled, correct, (System.nanoTime() - start) / 1e9, scoring / 1e9);
    }
}
