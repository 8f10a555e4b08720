package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.api.spi.OpRequest;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.function.LongToDoubleFunction;

/** Checks the first row a contender wrote against the scalar oracle run in float64 on the same input. */
final class RowCheck {
    private RowCheck() {
    }

    /** The first {@code n} values of {@code input}, widened to double. */
    static double[] firstRow(DType dtype, int n, MemorySegment input) {
        double[] row = new double[n];
        for (int i = 0; i < n; i++) {
            row[i] = switch (dtype) {
                case FLOAT32 -> input.getAtIndex(Tensor.F32, i);
                case FLOAT64 -> input.getAtIndex(Tensor.F64, i);
                case BFLOAT16, FLOAT16 -> Half.toFloat(dtype, input.getAtIndex(Tensor.I16, i));
                default -> throw new IllegalArgumentException("dtype must be floating, was " + dtype);
            };
        }
        return row;
    }

    /**
     * Checks row 0 of a top-k: its k values must be the oracle's exactly, best first, and each index
     * must point at an input entry equal to its value (a contender may break ties otherwise than ties
     * to the lower index, as ONNX Runtime does not promise that order).
     *
     * @param values element {@code j} of row 0's values
     * @param indices element {@code j} of row 0's indices
     */
    static void checkTopK(String label, DType dtype, long cols, MemorySegment input, int k, LongToDoubleFunction values,
                          LongToDoubleFunction indices) {
        int n = Math.toIntExact(cols);
        double[] row = firstRow(dtype, n, input);
        double[] expected = new double[k];
        int[] expectedIndices = new int[k];
        try (ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel()) {
            oracle.execute(OpRequest.topK(Tensor.of(row, 1, n), Tensor.of(expected, 1, k), Tensor.of(expectedIndices, 1, k),
                    k, -1));
        }
        for (int j = 0; j < k; j++) {
            double v = values.applyAsDouble(j);
            double index = indices.applyAsDouble(j);
            boolean inRange = index >= 0 && index < n && index == Math.rint(index);
            if (Double.compare(v, expected[j]) != 0 || !inRange || Double.compare(row[(int) index], v) != 0) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s computed a wrong top-k: %s entry %d of row 0 of %d columns is %s at index %s, the oracle"
                                + " says %s at index %d", label, SweepPlan.dtypeName(dtype), j, cols, v, index,
                        expected[j], expectedIndices[j]));
            }
        }
    }

    /** Checks row 0 of a sample: the index drawn must be the oracle's (the draws are the same on every backend). */
    static void checkSample(String label, DType dtype, long cols, MemorySegment input, Sampling sampling, int drawn) {
        int n = Math.toIntExact(cols);
        double[] row = firstRow(dtype, n, input);
        int[] expected = new int[1];
        try (ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel()) {
            oracle.execute(OpRequest.sample(Tensor.of(row, 1, n), Tensor.of(expected, 1), null, sampling));
        }
        if (drawn != expected[0]) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s drew a wrong sample: %s row 0 of %d columns drew index %d, the oracle draws %d (%s)", label,
                    SweepPlan.dtypeName(dtype), cols, drawn, expected[0], sampling));
        }
    }

    /** Output elements of the first row: {@code cols}, or one for a reducing op. */
    static long outputs(Op op, long cols) {
        return op.isReducing() ? 1 : cols;
    }

    /**
     * @param input the host input; its first {@code cols} values (of {@code dtype}) are row 0
     * @param actual element {@code i} of row 0 of the contender's output
     */
    static void check(String label, Op op, DType dtype, long cols, MemorySegment input, LongToDoubleFunction actual,
                      Tolerance tolerance) {
        int n = Math.toIntExact(cols);
        double[] row = firstRow(dtype, n, input);
        double[] reference = new double[Math.toIntExact(outputs(op, cols))];
        Tensor out = op.isReducing() ? Tensor.of(reference, 1) : Tensor.of(reference, 1, n);
        try (ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel()) {
            oracle.execute(KernelContender.request(op, Tensor.of(row, 1, n), out));
        }
        for (int i = 0; i < reference.length; i++) {
            double a = actual.applyAsDouble(i);
            double r = dtype == DType.FLOAT64 ? reference[i] : (float) reference[i];
            if (!tolerance.accepts(a, r) && !tolerance.accepts(a, reference[i])) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s computed a wrong %s: %s element %d of row 0 of %d columns is %s, the oracle says %s (%s)",
                        label, op.cliName(), SweepPlan.dtypeName(dtype), i, cols, a, reference[i], tolerance));
            }
        }
    }
}
