package dev.softmaxengine.spark;

import dev.softmaxengine.models.sequence.ChainInference;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

import java.io.Serial;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The executor side of {@link TokenTagger}: a batch of sentences per tagging call. */
final class TagFunction implements Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final SavedModel model;
    private final String backend;
    private final String tokensCol;
    private final int tokensIndex;
    /** The POS column, or null when the model does not read one. */
    private final String posCol;
    private final int posIndex;
    private final int batchRows;

    TagFunction(SavedModel model, String backend, String tokensCol, int tokensIndex, String posCol, int posIndex,
                int batchRows) {
        this.model = model;
        this.backend = backend;
        this.tokensCol = tokensCol;
        this.tokensIndex = tokensIndex;
        this.posCol = posCol;
        this.posIndex = posIndex;
        this.batchRows = batchRows;
    }

    @Override
    public Iterator<InternalRow> call(Integer partition, Iterator<InternalRow> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        // One thread: the executor's task slots are the parallelism.
        ChainInference inference = new ChainInference(ExecutorKernels.kernel(backend), 1, ChainInference.DEFAULT_BATCH_SIZE);
        return new Batches(rows, ExecutorKernels.tagger(model), inference, partition);
    }

    private final class Batches extends PartitionBatches {
        private final TaggingModel tagger;
        private final ChainInference inference;
        /** Each tag's UTF-8 form, made once rather than per token. */
        private final Map<String, UTF8String> utf8 = new HashMap<>();
        /** Row i's tokens and POS (null for a null row). */
        private final String[][] words = new String[batchRows][];
        private final String[][] pos = new String[batchRows][];
        private final Object[][] tags = new Object[batchRows][];

        Batches(Iterator<InternalRow> in, TaggingModel tagger, ChainInference inference, int partition) {
            super(in, partition, batchRows, 1);
            this.tagger = tagger;
            this.inference = inference;
            for (String t : tagger.tags()) {
                utf8.put(t, UTF8String.fromString(t));
            }
        }

        @Override
        protected void accept(int i, InternalRow row) {
            words[i] = strings(row, tokensIndex, tokensCol);
            pos[i] = posCol == null || words[i] == null ? null : strings(row, posIndex, posCol);
            if (pos[i] == null && posCol != null) {
                words[i] = null;
            } else if (pos[i] != null && pos[i].length != words[i].length) {
                throw new IllegalArgumentException(where(posCol) + " has " + pos[i].length + " tags for "
                        + words[i].length + " tokens in '" + tokensCol + "'");
            }
        }

        private String[] strings(InternalRow row, int index, String column) {
            if (row.isNullAt(index)) {
                return null;
            }
            ArrayData a = row.getArray(index);
            String[] out = new String[a.numElements()];
            for (int t = 0; t < out.length; t++) {
                if (a.isNullAt(t)) {
                    throw new IllegalArgumentException(where(column) + " has a null at element " + t);
                }
                out[t] = a.getUTF8String(t).toString();
            }
            return out;
        }

        private String where(String column) {
            return "column '" + column + "' of row " + position() + " of partition " + partition;
        }

        @Override
        protected void compute(int rows) {
            List<String[]> ws = new ArrayList<>(rows);
            List<String[]> ps = new ArrayList<>(rows);
            for (int i = 0; i < rows; i++) {
                if (words[i] != null) {
                    ws.add(words[i]);
                    ps.add(pos[i]);
                }
            }
            List<String[]> decoded = tagger.tag(inference, ws, posCol == null ? null : ps);
            for (int i = 0, j = 0; i < rows; i++) {
                if (words[i] == null) {
                    tags[i] = null;
                    continue;
                }
                String[] d = decoded.get(j++);
                Object[] out = new Object[d.length];
                for (int t = 0; t < d.length; t++) {
                    out[t] = utf8.get(d[t]);
                }
                tags[i] = out;
            }
        }

        @Override
        protected void output(int i, GenericInternalRow outputs) {
            if (tags[i] == null) {
                outputs.setNullAt(0);
            } else {
                outputs.update(0, new GenericArrayData(tags[i]));
            }
        }
    }
}
