package dev.softmaxengine.api;

import dev.softmaxengine.api.spi.OpRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class OpRequestTest {
    private static final Tensor IN = Tensor.of(new double[24], 2, 3, 4);

    private static Tensor out(long... shape) {
        return Tensor.of(new double[Math.toIntExact(Shape.of(shape).size())], shape);
    }

    private static void rejected(String expectedStart, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(expectedStart), "expected '" + expectedStart + "...', was: " + e.getMessage());
    }

    @Test
    void axisBecomesOuterLengthAndStride() {
        OpRequest r = OpRequest.of(Op.SOFTMAX, IN, out(2, 3, 4), 0, 1, false);
        assertEquals(1, r.outer());
        assertEquals(2, r.n());
        assertEquals(12, r.inner());
        r = OpRequest.of(Op.SOFTMAX, IN, out(2, 3, 4), -2, 1, false);
        assertEquals(1, r.axis());
        assertEquals(2, r.outer());
        assertEquals(3, r.n());
        assertEquals(4, r.inner());
        r = OpRequest.of(Op.HARDMAX, IN, out(2, 3, 4), -1);
        assertEquals(2, r.axis());
        assertEquals(6, r.outer());
        assertEquals(4, r.n());
        assertEquals(1, r.inner());
        assertEquals(Op.HARDMAX, r.op());
    }

    @Test
    void elementwiseOpsAreOneFlatSlice() {
        OpRequest r = OpRequest.of(Op.LOG_SIGMOID, IN, out(2, 3, 4));
        assertEquals(Op.LOG_SIGMOID, r.op());
        assertEquals(0, r.axis());
        assertEquals(1, r.outer());
        assertEquals(24, r.n());
        assertEquals(1, r.inner());
    }

    @Test
    void nullOperandsAreNamed() {
        rejected("in must not be null", () -> OpRequest.of(Op.SOFTMAX, null, out(2, 3, 4), -1, 1, false));
        rejected("out must not be null", () -> OpRequest.of(Op.LOG_SOFTMAX, IN, null, -1, 1, false));
        rejected("in must not be null", () -> OpRequest.of(Op.LOGSUMEXP, null, out(2, 3), -1, 1.0, false));
        rejected("out must not be null", () -> OpRequest.of(Op.SIGMOID, IN, null));
        rejected("in must not be null", () -> OpRequest.of(Op.HARDMAX, null, IN, -1));
        rejected("in must not be null", () -> OpRequest.of(Op.ARGMAX, null, Tensor.of(new int[6], 2, 3)));
        rejected("out must not be null", () -> OpRequest.of(Op.ARGMAX, IN, null));
        rejected("op must not be null", () -> OpRequest.of(null, IN, out(2, 3, 4)));
    }

    @Test
    void dtypesMustMatch() {
        Tensor f = Tensor.of(new float[24], 2, 3, 4);
        rejected("out has dtype FLOAT32, softmax of FLOAT64 writes FLOAT64", () -> OpRequest.of(Op.SOFTMAX, IN, f, -1, 1, false));
        rejected("out has dtype FLOAT32", () -> OpRequest.of(Op.SIGMOID, IN, f));
    }

    @Test
    void readOnlyOutIsRejected() {
        Tensor ro = Tensor.of(MemorySegment.ofArray(new double[24]).asReadOnly(), DType.FLOAT64, 2, 3, 4);
        rejected("out is a read-only segment", () -> OpRequest.of(Op.HARDMAX, IN, ro, -1));
        // A read-only input is fine.
        assertEquals(Op.HARDMAX, OpRequest.of(Op.HARDMAX, ro, out(2, 3, 4), -1).op());
    }

    @Test
    void axesOutOfRangeAndRankZeroAreRejected() {
        rejected("axis must be in [-3, 2]", () -> OpRequest.of(Op.SOFTMAX, IN, out(2, 3, 4), 3, 1, false));
        rejected("axis must be in [-3, 2]", () -> OpRequest.of(Op.LOGSUMEXP, IN, out(2, 3), -4, 1.0, false));
        rejected("axis must be in [-3, 2]", () -> OpRequest.of(Op.ARGMAX, IN, Tensor.of(new int[6], 2, 3), 5));
        Tensor scalar = Tensor.of(new double[1]);
        rejected("in has rank 0", () -> OpRequest.of(Op.HARDMAX, scalar, Tensor.of(new double[1]), 0));
        // Elementwise ops take any rank.
        assertEquals(1, OpRequest.of(Op.SIGMOID, scalar, Tensor.of(new double[1])).n());
    }

    @Test
    void temperatureMustBeFiniteAndPositive() {
        for (double t : new double[] {0, -0.0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            rejected("temperature must be finite and > 0, was " + t, () -> OpRequest.of(Op.LOG_SOFTMAX, IN, out(2, 3, 4), -1, t, false));
        }
        assertEquals(1e-300, OpRequest.of(Op.SOFTMAX, IN, out(2, 3, 4), -1, 1e-300, false).temperature());
        assertEquals(Double.MAX_VALUE, OpRequest.of(Op.SOFTMAX, IN, out(2, 3, 4), -1, Double.MAX_VALUE, false).temperature());
    }

    @Test
    void shapePreservingOpsNeedTheSameShape() {
        rejected("out has shape [4, 3, 2], in has [2, 3, 4]", () -> OpRequest.of(Op.SOFTMAX, IN, out(4, 3, 2), -1, 1, false));
        rejected("out has shape [24]", () -> OpRequest.of(Op.SIGMOID, IN, out(24)));
        rejected("out has shape [2, 3]", () -> OpRequest.of(Op.HARDMAX, IN, out(2, 3), -1));
    }

    @Test
    void logSumExpOutDropsOrKeepsTheAxis() {
        assertFalse(OpRequest.of(Op.LOGSUMEXP, IN, out(2, 4), 1, 1.0, false).keepdims());
        assertTrue(OpRequest.of(Op.LOGSUMEXP, IN, out(2, 1, 4), 1, 1.0, true).keepdims());
        rejected("out has shape [2, 4], logsumexp of [2, 3, 4] over axis 1 with keepdims needs [2, 1, 4]",
                () -> OpRequest.of(Op.LOGSUMEXP, IN, out(2, 4), 1, 1.0, true));
        rejected("out has shape [2, 1, 4], logsumexp of [2, 3, 4] over axis -2 without keepdims needs [2, 4]",
                () -> OpRequest.of(Op.LOGSUMEXP, IN, out(2, 1, 4), -2, 1.0, false));
    }

    @Test
    void argmaxNeedsTheReducedLengthAndANonEmptyAxis() {
        Tensor idx = Tensor.of(new int[6], 2, 3);
        OpRequest r = OpRequest.of(Op.ARGMAX, IN, idx);
        assertSame(idx, r.out());
        assertEquals(DType.FLOAT64, r.dtype());
        assertEquals(1, OpRequest.of(Op.ARGMAX, IN, Tensor.of(new int[6], 2, 3, 1), -1, 1, true).inner());
        rejected("out has shape [5], argmax of [2, 3, 4] over axis -1 without keepdims needs [2, 3]",
                () -> OpRequest.of(Op.ARGMAX, IN, Tensor.of(new int[5], 5)));
        rejected("out has dtype FLOAT64, argmax of FLOAT64 writes INT32", () -> OpRequest.of(Op.ARGMAX, IN, out(2, 3)));
        rejected("out has dtype INT32, softmax of FLOAT64 writes FLOAT64",
                () -> OpRequest.of(Op.SOFTMAX, IN, Tensor.of(new int[24], 2, 3, 4)));
        rejected("in has dtype INT32; softmax reads FLOAT32, FLOAT64, BFLOAT16 or FLOAT16",
                () -> OpRequest.of(Op.SOFTMAX, Tensor.of(new int[6], 6), Tensor.of(new int[6], 6)));
        Tensor empty = Tensor.of(new double[0], 2, 0);
        rejected("argmax over axis 1 of [2, 0]", () -> OpRequest.of(Op.ARGMAX, empty, Tensor.of(new int[2], 2), 1));
        // No rows: nothing to pick, nothing to reject.
        assertEquals(0, OpRequest.of(Op.ARGMAX, Tensor.of(new double[0], 0, 3), Tensor.of(new int[0], 0), 1).outer());
    }

    @Test
    void temperatureAndKeepdimsOnlyWhereTheOpTakesThem() {
        rejected("temperature must be 1 for sigmoid, was 2.0", () -> OpRequest.of(Op.SIGMOID, IN, out(2, 3, 4), -1, 2, false));
        rejected("keepdims applies to logsumexp and argmax, not hardmax",
                () -> OpRequest.of(Op.HARDMAX, IN, out(2, 3, 4), -1, 1, true));
    }

    @Test
    void inPlaceOnlyForShapePreservingOpsAndOnlyExactly() {
        double[] a = new double[24];
        Tensor t = Tensor.of(a, 2, 3, 4);
        assertTrue(OpRequest.of(Op.SOFTMAX, t, t, -1, 1, false).inPlace());
        assertTrue(OpRequest.of(Op.SIGMOID, t, Tensor.of(a, 2, 3, 4)).inPlace());
        assertFalse(OpRequest.of(Op.HARDMAX, t, out(2, 3, 4), -1).inPlace());
        Tensor column = Tensor.of(new double[3], 3, 1);
        rejected("out overlaps in; logsumexp cannot run in place", () -> OpRequest.of(Op.LOGSUMEXP, column, column.reshape(3), 1, 1.0, false));
        MemorySegment seg = MemorySegment.ofArray(new double[25]);
        Tensor first = Tensor.of(seg, DType.FLOAT64, 2, 3, 4);
        Tensor shifted = Tensor.of(seg.asSlice(Double.BYTES), DType.FLOAT64, 2, 3, 4);
        rejected("out overlaps in; log-softmax runs in place only when out is exactly in",
                () -> OpRequest.of(Op.LOG_SOFTMAX, first, shifted, -1, 1, false));
    }

    @Test
    void anArrayAndASegmentOverItAreInPlace() {
        double[] a = new double[24];
        Tensor arrayView = Tensor.of(a, 2, 3, 4);
        Tensor segmentView = Tensor.of(MemorySegment.ofArray(a), DType.FLOAT64, 2, 3, 4);
        assertTrue(OpRequest.of(Op.SOFTMAX, arrayView, segmentView, -1, 1, false).inPlace());
        Tensor col = Tensor.of(new double[3], 3, 1);
        Tensor aliasOfCol = Tensor.of(col.asHostSegment(), DType.FLOAT64, 3);
        rejected("out overlaps in", () -> OpRequest.of(Op.LOGSUMEXP, col, aliasOfCol, 1, 1.0, false));
    }

    @Test
    void requireHostNamesTheDeviceOperand() {
        Tensor device = Tensor.of(new RemoteBuffer(DType.FLOAT64, 24), 2, 3, 4);
        OpRequest onDevice = OpRequest.of(Op.SOFTMAX, device, out(2, 3, 4), -1, 1, false);
        rejected("in is device memory of backend remote; the scalar backend computes on host memory",
                () -> onDevice.requireHost("scalar"));
        OpRequest intoDevice = OpRequest.of(Op.SIGMOID, IN, device);
        rejected("out is device memory of backend remote", () -> intoDevice.requireHost("scalar"));
        OpRequest.of(Op.ARGMAX, IN, Tensor.of(new int[6], 2, 3)).requireHost("scalar");
    }

    @Test
    void describesItself() {
        OpRequest r = OpRequest.of(Op.LOG_SOFTMAX, IN, out(2, 3, 4), 1, 2.5, false);
        assertEquals(DType.FLOAT64, r.dtype());
        assertSame(IN, r.in());
        assertTrue(r.toString().startsWith("log-softmax(") && r.toString().contains("T 2.5"), r.toString());
    }
}
