package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.function.LongToDoubleFunction;

/** Checks the first row a contender wrote against the scalar oracle run in float64 on the same input. */
final class RowCheck {
    private RowCheck() {
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
        double[] row = new double[n];
        for (int i = 0; i < n; i++) {
            row[i] = dtype == DType.FLOAT32 ? input.getAtIndex(Tensor.F32, i) : input.getAtIndex(Tensor.F64, i);
        }
        double[] reference = new double[Math.toIntExact(outputs(op, cols))];
        Tensor out = op.isReducing() ? Tensor.of(reference, 1) : Tensor.of(reference, 1, n);
        try (ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel()) {
            oracle.execute(KernelContender.request(op, Tensor.of(row, 1, n), out));
        }
        for (int i = 0; i < reference.length; i++) {
            double a = actual.applyAsDouble(i);
            double r = dtype == DType.FLOAT32 ? (float) reference[i] : reference[i];
            if (!tolerance.accepts(a, r) && !tolerance.accepts(a, reference[i])) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s computed a wrong %s: %s element %d of row 0 of %d columns is %s, the oracle says %s (%s)",
                        label, op.cliName(), SweepPlan.dtypeName(dtype), i, cols, a, reference[i], tolerance));
            }
        }
    }
}
