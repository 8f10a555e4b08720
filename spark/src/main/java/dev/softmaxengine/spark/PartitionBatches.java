package dev.softmaxengine.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A partition's rows, with output columns appended, computed a batch at a time: read up to
 * {@code batchRows} rows ({@link #accept} copies what the batch needs from each), compute the
 * whole batch in one go ({@link #compute}), hand the rows out ({@link #output} fills their
 * outputs), read the next batch.
 *
 * <p>Input rows are copied, since upstream operators reuse theirs. Each output row joins its input
 * row to one reused row of outputs: the scan over the resulting RDD ({@code RDDScanExec}, see
 * {@link InternalRows}) projects every row it takes into an unsafe row before asking for the next,
 * which is the contract Spark's operators keep with each other.
 */
abstract class PartitionBatches implements Iterator<InternalRow> {
    private final Iterator<InternalRow> in;
    private final InternalRow[] rows;
    private final GenericInternalRow outputs;
    private final JoinedRow joined = new JoinedRow();
    /** The partition, for messages. */
    protected final int partition;
    private int size;
    private int next;
    private long position = -1;

    PartitionBatches(Iterator<InternalRow> in, int partition, int batchRows, int outputColumns) {
        this.in = in;
        this.partition = partition;
        this.rows = new InternalRow[batchRows];
        this.outputs = new GenericInternalRow(outputColumns);
    }

    /** Takes row {@code i} of the batch; a row with invalid input throws naming {@link #position}. */
    protected abstract void accept(int i, InternalRow row);

    /** Computes the outputs of the {@code rows} rows accepted since the last call. */
    protected abstract void compute(int rows);

    /** Sets the output columns of row {@code i} of the batch. */
    protected abstract void output(int i, GenericInternalRow outputs);

    /** The index in its partition of the row last read. */
    protected final long position() {
        return position;
    }

    @Override
    public final boolean hasNext() {
        if (next < size) {
            return true;
        }
        if (!in.hasNext()) {
            return false;
        }
        size = 0;
        next = 0;
        while (size < rows.length && in.hasNext()) {
            InternalRow r = in.next().copy();
            position++;
            accept(size, r);
            rows[size++] = r;
        }
        compute(size);
        return true;
    }

    @Override
    public final InternalRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int i = next++;
        InternalRow r = rows[i];
        rows[i] = null;
        output(i, outputs);
        return joined.apply(r, outputs);
    }
}
