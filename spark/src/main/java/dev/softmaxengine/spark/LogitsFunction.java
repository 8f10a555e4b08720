package dev.softmaxengine.spark;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.Platform;

import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;

/**
 * The executor side of {@link LogitsTransformer}: the arrays of a batch laid end to end in one
 * float32 or float64 buffer, an elementwise op over all of it in one call, an axis op over each run
 * of equal-length arrays as one {@code [rows, length]} tensor.
 */
final class LogitsFunction implements Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Op op;
    private final double temperature;
    private final DType dtype;
    private final String column;
    private final int index;
    private final String backend;
    private final int batchRows;

    LogitsFunction(Op op, double temperature, DType dtype, String column, int index, String backend, int batchRows) {
        this.op = op;
        this.temperature = temperature;
        this.dtype = dtype;
        this.column = column;
        this.index = index;
        this.backend = backend;
        this.batchRows = batchRows;
    }

    @Override
    public Iterator<InternalRow> call(Integer partition, Iterator<InternalRow> rows) {
        if (!rows.hasNext()) {
            return Collections.emptyIterator();
        }
        return new Batches(rows, ExecutorKernels.kernel(backend), partition);
    }

    private final class Batches extends PartitionBatches {
        private final SoftmaxKernel kernel;
        private final boolean f32 = dtype == DType.FLOAT32;
        /** Where row i's array starts in the buffer, and its length (-1: null). */
        private final int[] start = new int[batchRows];
        private final int[] length = new int[batchRows];
        private float[] floats = new float[f32 ? 1024 : 0];
        private double[] doubles = new double[f32 ? 0 : 1024];
        /** logsumexp of the non-null rows in order (one value per row). */
        private final float[] lseFloats = new float[f32 && op == Op.LOGSUMEXP ? batchRows : 0];
        private final double[] lseDoubles = new double[!f32 && op == Op.LOGSUMEXP ? batchRows : 0];
        /** Row i's index among the batch's non-null rows. */
        private final int[] dense = new int[batchRows];
        private int used;
        private int nonNull;

        Batches(Iterator<InternalRow> in, SoftmaxKernel kernel, int partition) {
            super(in, partition, batchRows, 1);
            this.kernel = kernel;
        }

        @Override
        protected void accept(int i, InternalRow row) {
            if (i == 0) {
                used = 0;
                nonNull = 0;
            }
            if (row.isNullAt(index)) {
                length[i] = -1;
                return;
            }
            ArrayData a = row.getArray(index);
            int n = a.numElements();
            reserve(used + n);
            for (int j = 0; j < n; j++) {
                if (a.isNullAt(j)) {
                    throw new IllegalArgumentException("input column '" + column + "' of row " + position()
                            + " of partition " + partition + " has a null at element " + j);
                }
                if (f32) {
                    floats[used + j] = a.getFloat(j);
                } else {
                    doubles[used + j] = a.getDouble(j);
                }
            }
            start[i] = used;
            length[i] = n;
            dense[i] = nonNull++;
            used += n;
        }

        private void reserve(long elements) {
            if (elements > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a batch of " + batchRows + " rows of column '" + column
                        + "' holds more than " + (Integer.MAX_VALUE - 8) + " elements; lower batchRows");
            }
            int capacity = f32 ? floats.length : doubles.length;
            if (elements > capacity) {
                int grown = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(elements, 2L * capacity));
                if (f32) {
                    floats = Arrays.copyOf(floats, grown);
                } else {
                    doubles = Arrays.copyOf(doubles, grown);
                }
            }
        }

        @Override
        protected void compute(int rows) {
            if (op.isElementwise()) {
                if (used > 0) {
                    Tensor t = view(0, used);
                    if (op == Op.SIGMOID) {
                        kernel.sigmoid(t, t);
                    } else {
                        kernel.logSigmoid(t, t);
                    }
                }
                return;
            }
            // A run: non-null rows of one length, nulls between them allowed (they take no buffer
            // space), so the run is contiguous in the buffer.
            int i = 0;
            while (i < rows) {
                if (length[i] < 0) {
                    i++;
                    continue;
                }
                int n = length[i];
                int first = i;
                int count = 0;
                while (i < rows && (length[i] < 0 || length[i] == n)) {
                    if (length[i] >= 0) {
                        count++;
                    }
                    i++;
                }
                axisOp(start[first], dense[first], count, n);
            }
        }

        private void axisOp(int offset, int firstDense, int runRows, int n) {
            Tensor t = view(offset, (long) runRows * n).reshape(runRows, n);
            switch (op) {
                case SOFTMAX -> kernel.softmax(t, t, -1, temperature);
                case LOG_SOFTMAX -> kernel.logSoftmax(t, t, -1, temperature);
                case HARDMAX -> kernel.hardmax(t, t, -1);
                case LOGSUMEXP -> {
                    MemorySegment out = f32
                            ? MemorySegment.ofArray(lseFloats).asSlice((long) firstDense * Float.BYTES)
                            : MemorySegment.ofArray(lseDoubles).asSlice((long) firstDense * Double.BYTES);
                    kernel.logSumExp(t, Tensor.of(out, dtype, runRows), -1, false);
                }
                default -> throw new IllegalStateException("op " + op + " is not an axis op");
            }
        }

        /** {@code count} elements of the buffer from {@code offset}, as a rank-1 tensor. */
        private Tensor view(int offset, long count) {
            MemorySegment s = f32
                    ? MemorySegment.ofArray(floats).asSlice((long) offset * Float.BYTES)
                    : MemorySegment.ofArray(doubles).asSlice((long) offset * Double.BYTES);
            return Tensor.of(s, dtype, count);
        }

        @Override
        protected void output(int i, GenericInternalRow outputs) {
            int n = length[i];
            if (n < 0) {
                outputs.setNullAt(0);
            } else if (op == Op.LOGSUMEXP) {
                if (f32) {
                    outputs.setFloat(0, lseFloats[dense[i]]);
                } else {
                    outputs.setDouble(0, lseDoubles[dense[i]]);
                }
            } else if (f32) {
                outputs.update(0, UnsafeArrayData.fromPrimitiveArray(floats,
                        Platform.FLOAT_ARRAY_OFFSET + start[i] * Float.BYTES, n, Float.BYTES));
            } else {
                outputs.update(0, UnsafeArrayData.fromPrimitiveArray(doubles,
                        Platform.DOUBLE_ARRAY_OFFSET + start[i] * Double.BYTES, n, Double.BYTES));
            }
        }
    }
}
