package dev.softmaxengine.spark;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.Platform;

import java.io.Serial;
import java.util.Collections;
import java.util.Iterator;

/**
 * The executor side of {@link ClassifierScorer}: one partition, batch by batch. It holds only the
 * model's bytes and the column layout; the model itself comes from {@link ExecutorKernels}.
 */
final class ScoreFunction implements Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final SavedModel model;
    private final String backend;
    private final FeatureColumn kind;
    private final String column;
    private final int index;
    private final int features;
    private final int classes;
    private final int batchRows;

    ScoreFunction(SavedModel model, String backend, FeatureColumn kind, String column, int index, int features,
                  int classes, int batchRows) {
        this.model = model;
        this.backend = backend;
        this.kind = kind;
        this.column = column;
        this.index = index;
        this.features = features;
        this.classes = classes;
        this.batchRows = batchRows;
    }

    @Override
    public Iterator<InternalRow> call(Integer partition, Iterator<InternalRow> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        return new Batches(rows, ExecutorKernels.model(model, backend), partition);
    }

    /**
     * Rows are scored this many at a time as soon as they are read, while their features are still
     * in L1/L2: a whole batch of features (MBs with the rows' own bytes beside them) is not by the
     * time the batch ends. Reading features back from beyond L2 the GEMM took 503 against 290
     * ns/row (784 features); in Spark, batches of 1024 ran at 0.75M rows/s against 1.06M for 256
     * before this, and at the same speed after.
     */
    static final int CHUNK_ROWS = 16;

    private final class Batches extends PartitionBatches implements FeatureColumn.Position {
        private final BatchModel scorer;
        /** Row i of the batch is scored row slot[i], or -1 when its features are null. */
        private final int[] slot = new int[batchRows];
        /** Features of the scored rows not yet multiplied: scored - pending .. scored - 1. */
        private final float[] x = new float[CHUNK_ROWS * features];
        private final double[] doubles = new double[features];
        private final double[] scratch = new double[CHUNK_ROWS * classes];
        /** Class-major scores of the batch, rows batchRows apart. */
        private final double[] full = new double[batchRows * classes];
        private final int[] fullPredicted = new int[batchRows];
        /** Class-major: P(c | row s) at p[c * scored + s]. */
        private double[] p = full;
        /** Row-major float32 probabilities of the batch, as the output column holds them. */
        private final float[] rowMajor = new float[batchRows * classes];
        /** The probabilities column of the row being handed out, copied by the consumer. */
        private final UnsafeArrayData probabilities = UnsafeArrayData.fromPrimitiveArray(new float[classes]);
        /** Its bytes before the elements: the length and the null bits. */
        private final long header = UnsafeArrayData.calculateHeaderPortionInBytes(classes);
        private int[] predicted = fullPredicted;
        private int scored;
        private int pending;

        Batches(Iterator<InternalRow> in, BatchModel scorer, int partition) {
            super(in, partition, batchRows, 2);
            this.scorer = scorer;
        }

        @Override
        protected void accept(int i, InternalRow row) {
            if (i == 0) {
                scored = 0;
                pending = 0;
            }
            if (row.isNullAt(index)) {
                slot[i] = -1;
                return;
            }
            kind.copy(row, index, features, x, pending * features, doubles, this);
            slot[i] = scored++;
            if (++pending == CHUNK_ROWS) {
                multiply();
            }
        }

        private void multiply() {
            scorer.scores(x, pending, full, scored - pending, batchRows, scratch);
            pending = 0;
        }

        @Override
        protected void compute(int rows) {
            if (pending > 0) {
                multiply();
            }
            if (scored > 0) {
                // The kernel takes whole arrays; only a batch with fewer scored rows (a partition's last, or one with nulls) needs its own.
                if (scored == batchRows) {
                    p = full;
                    predicted = fullPredicted;
                } else {
                    p = new double[scored * classes];
                    predicted = new int[scored];
                    for (int c = 0; c < classes; c++) {
                        System.arraycopy(full, c * batchRows, p, c * scored, scored);
                    }
                }
                scorer.normalize(p, scored, predicted);
                for (int c = 0; c < classes; c++) {
                    for (int r = 0, from = c * scored; r < scored; r++) {
                        rowMajor[r * classes + c] = (float) p[from + r];
                    }
                }
            }
        }

        @Override
        protected void output(int i, GenericInternalRow outputs) {
            int s = slot[i];
            if (s < 0) {
                outputs.setNullAt(0);
                outputs.setNullAt(1);
                return;
            }
            Platform.copyMemory(rowMajor, Platform.FLOAT_ARRAY_OFFSET + (long) s * classes * Float.BYTES,
                    probabilities.getBaseObject(), probabilities.getBaseOffset() + header, (long) classes * Float.BYTES);
            outputs.update(0, probabilities);
            outputs.setInt(1, predicted[s]);
        }

        @Override
        public String describe() {
            return "features column '" + column + "' of row " + position() + " of partition " + partition;
        }
    }
}
