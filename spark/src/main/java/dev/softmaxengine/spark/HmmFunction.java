package dev.softmaxengine.spark;

import dev.softmaxengine.models.sequence.ChainInference;
import dev.softmaxengine.models.sequence.HiddenMarkovModel;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;

import java.io.Serial;
import java.util.Collections;
import java.util.Iterator;

/** The executor side of {@link HmmDecoder}: a batch of sequences per Viterbi call. */
final class HmmFunction implements Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final HmmParameters parameters;
    private final String backend;
    private final String column;
    private final int index;
    private final int batchRows;

    HmmFunction(HmmParameters parameters, String backend, String column, int index, int batchRows) {
        this.parameters = parameters;
        this.backend = backend;
        this.column = column;
        this.index = index;
        this.batchRows = batchRows;
    }

    @Override
    public Iterator<InternalRow> call(Integer partition, Iterator<InternalRow> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        // One thread: the executor's task slots are the parallelism.
        ChainInference inference = new ChainInference(ExecutorKernels.kernel(backend), 1, ChainInference.DEFAULT_BATCH_SIZE);
        return new Batches(rows, ExecutorKernels.hmm(parameters), inference, partition);
    }

    private final class Batches extends PartitionBatches {
        private final HiddenMarkovModel hmm;
        private final ChainInference inference;
        /** Row i's symbols (null for a null row). */
        private final int[][] sequences = new int[batchRows][];
        private int[][] paths;

        Batches(Iterator<InternalRow> in, HiddenMarkovModel hmm, ChainInference inference, int partition) {
            super(in, partition, batchRows, 1);
            this.hmm = hmm;
            this.inference = inference;
        }

        @Override
        protected void accept(int i, InternalRow row) {
            if (row.isNullAt(index)) {
                sequences[i] = null;
                return;
            }
            ArrayData a = row.getArray(index);
            int[] x = new int[a.numElements()];
            for (int t = 0; t < x.length; t++) {
                if (a.isNullAt(t)) {
                    throw new IllegalArgumentException(where() + " has a null at element " + t);
                }
                x[t] = a.getInt(t);
                if (x[t] < 0 || x[t] >= hmm.symbols()) {
                    throw new IllegalArgumentException(where() + " has symbol " + x[t] + " at element " + t
                            + "; the model's symbols are [0, " + hmm.symbols() + ")");
                }
            }
            sequences[i] = x;
        }

        private String where() {
            return "tokens column '" + column + "' of row " + position() + " of partition " + partition;
        }

        @Override
        protected void compute(int rows) {
            int present = 0;
            for (int i = 0; i < rows; i++) {
                present += sequences[i] == null ? 0 : 1;
            }
            int[][] batch = new int[present][];
            for (int i = 0, j = 0; i < rows; i++) {
                if (sequences[i] != null) {
                    batch[j++] = sequences[i];
                }
            }
            int[][] decoded = hmm.viterbi(inference, batch);
            paths = new int[rows][];
            for (int i = 0, j = 0; i < rows; i++) {
                paths[i] = sequences[i] == null ? null : decoded[j++];
            }
        }

        @Override
        protected void output(int i, GenericInternalRow outputs) {
            if (paths[i] == null) {
                outputs.setNullAt(0);
            } else {
                outputs.update(0, UnsafeArrayData.fromPrimitiveArray(paths[i]));
            }
        }
    }
}
