package dev.softmaxengine.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.unsafe.Platform;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A partition's rows, with output columns appended, computed a batch at a time: read up to
 * {@code batchRows} rows ({@link #accept} copies what the batch needs from each), compute the
 * whole batch in one go ({@link #compute}), hand the rows out ({@link #output} fills their
 * outputs), read the next batch.
 *
 * <p>Upstream operators reuse their row objects, so the batch keeps its own copies: the bytes of
 * unsafe rows (what Spark's operators produce) laid end to end in one reused buffer, other rows
 * as {@link InternalRow#copy}. Each output row joins its input row to one reused row of outputs:
 * the scan over the resulting RDD ({@code RDDScanExec}, see {@link InternalRows}) projects every
 * row it takes into an unsafe row of its own before asking for the next, which is the contract
 * Spark's operators keep with each other.
 */
abstract class PartitionBatches implements Iterator<InternalRow> {
    private final Iterator<InternalRow> in;
    /** Row i of the batch: a copy, or null when its bytes are at bytes[start[i] ..] (length[i] bytes). */
    private final InternalRow[] copies;
    private final int[] start;
    private final int[] length;
    private byte[] bytes = new byte[1 << 16];
    private UnsafeRow view;
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
        this.copies = new InternalRow[batchRows];
        this.start = new int[batchRows];
        this.length = new int[batchRows];
        this.outputs = new GenericInternalRow(outputColumns);
    }

    /** Takes row {@code i} of the batch; {@code row} is valid during the call only. Invalid input throws naming {@link #position}. */
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
        int used = 0;
        while (size < copies.length && in.hasNext()) {
            InternalRow r = in.next();
            position++;
            accept(size, r);
            if (r instanceof UnsafeRow u) {
                int n = u.getSizeInBytes();
                if (used + n > bytes.length) {
                    // Sized for a whole batch of rows like this one at once, rather than doubled up to it in every partition.
                    bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 16,
                            Math.max((long) used + n, Math.max(2L * bytes.length, (long) n * copies.length))));
                }
                u.writeToMemory(bytes, Platform.BYTE_ARRAY_OFFSET + used);
                start[size] = used;
                length[size] = n;
                copies[size] = null;
                used += n;
                if (view == null) {
                    view = new UnsafeRow(u.numFields());
                }
            } else {
                copies[size] = r.copy();
            }
            size++;
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
        InternalRow r = copies[i];
        if (r == null) {
            view.pointTo(bytes, Platform.BYTE_ARRAY_OFFSET + start[i], length[i]);
            r = view;
        } else {
            copies[i] = null;
        }
        output(i, outputs);
        return joined.apply(r, outputs);
    }
}
