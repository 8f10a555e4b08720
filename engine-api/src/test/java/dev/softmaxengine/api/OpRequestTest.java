package dev.softmaxengine.api;

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
        OpRequest r = OpRequest.softmax(false, IN, out(2, 3, 4), 0, 1);
        assertEquals(1, r.outer());
        assertEquals(2, r.n());
        assertEquals(12, r.inner());
        r = OpRequest.softmax(false, IN, out(2, 3, 4), -2, 1);
        assertEquals(1, r.axis());
        assertEquals(2, r.outer());
        assertEquals(3, r.n());
        assertEquals(4, r.inner());
        assertEquals(8, r.slices());
        r = OpRequest.hardmax(IN, out(2, 3, 4), -1);
        assertEquals(2, r.axis());
        assertEquals(6, r.outer());
        assertEquals(4, r.n());
        assertEquals(1, r.inner());
        assertEquals(Op.HARDMAX, r.op());
    }

    @Test
    void elementwiseOpsAreOneFlatSlice() {
        OpRequest r = OpRequest.sigmoid(true, IN, out(2, 3, 4));
        assertEquals(Op.LOG_SIGMOID, r.op());
        assertEquals(0, r.axis());
        assertEquals(1, r.outer());
        assertEquals(24, r.n());
        assertEquals(1, r.inner());
    }

    @Test
    void nullOperandsAreNamed() {
        rejected("in must not be null", () -> OpRequest.softmax(false, null, out(2, 3, 4), -1, 1));
        rejected("out must not be null", () -> OpRequest.softmax(true, IN, null, -1, 1));
        rejected("in must not be null", () -> OpRequest.logSumExp(null, out(2, 3), -1, false));
        rejected("out must not be null", () -> OpRequest.sigmoid(false, IN, null));
        rejected("in must not be null", () -> OpRequest.hardmax(null, IN, -1));
        rejected("in must not be null", () -> OpRequest.argmax(null, new int[6], -1));
        rejected("out must not be null", () -> OpRequest.argmax(IN, null, -1));
    }

    @Test
    void dtypesMustMatch() {
        Tensor f = Tensor.of(new float[24], 2, 3, 4);
        rejected("out has dtype FLOAT32, in has FLOAT64", () -> OpRequest.softmax(false, IN, f, -1, 1));
        rejected("out has dtype FLOAT32", () -> OpRequest.sigmoid(false, IN, f));
    }

    @Test
    void readOnlyOutIsRejected() {
        Tensor ro = Tensor.of(MemorySegment.ofArray(new double[24]).asReadOnly(), DType.FLOAT64, 2, 3, 4);
        rejected("out is a read-only segment", () -> OpRequest.hardmax(IN, ro, -1));
        // A read-only input is fine.
        assertEquals(Op.HARDMAX, OpRequest.hardmax(ro, out(2, 3, 4), -1).op());
    }

    @Test
    void axesOutOfRangeAndRankZeroAreRejected() {
        rejected("axis must be in [-3, 2]", () -> OpRequest.softmax(false, IN, out(2, 3, 4), 3, 1));
        rejected("axis must be in [-3, 2]", () -> OpRequest.logSumExp(IN, out(2, 3), -4, false));
        rejected("axis must be in [-3, 2]", () -> OpRequest.argmax(IN, new int[6], 5));
        Tensor scalar = Tensor.of(new double[1]);
        rejected("in has rank 0", () -> OpRequest.hardmax(scalar, Tensor.of(new double[1]), 0));
        // Elementwise ops take any rank.
        assertEquals(1, OpRequest.sigmoid(false, scalar, Tensor.of(new double[1])).n());
    }

    @Test
    void temperatureMustBeFiniteAndPositive() {
        for (double t : new double[] {0, -0.0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            rejected("temperature must be finite and > 0, was " + t, () -> OpRequest.softmax(true, IN, out(2, 3, 4), -1, t));
        }
        assertEquals(1e-300, OpRequest.softmax(false, IN, out(2, 3, 4), -1, 1e-300).temperature());
        assertEquals(Double.MAX_VALUE, OpRequest.softmax(false, IN, out(2, 3, 4), -1, Double.MAX_VALUE).temperature());
    }

    @Test
    void shapePreservingOpsNeedTheSameShape() {
        rejected("out has shape [4, 3, 2], in has [2, 3, 4]", () -> OpRequest.softmax(false, IN, out(4, 3, 2), -1, 1));
        rejected("out has shape [24]", () -> OpRequest.sigmoid(false, IN, out(24)));
        rejected("out has shape [2, 3]", () -> OpRequest.hardmax(IN, out(2, 3), -1));
    }

    @Test
    void logSumExpOutDropsOrKeepsTheAxis() {
        assertFalse(OpRequest.logSumExp(IN, out(2, 4), 1, false).keepdims());
        assertTrue(OpRequest.logSumExp(IN, out(2, 1, 4), 1, true).keepdims());
        rejected("out has shape [2, 4], logsumexp of [2, 3, 4] over axis 1 with keepdims needs [2, 1, 4]",
                () -> OpRequest.logSumExp(IN, out(2, 4), 1, true));
        rejected("out has shape [2, 1, 4], logsumexp of [2, 3, 4] over axis -2 without keepdims needs [2, 4]",
                () -> OpRequest.logSumExp(IN, out(2, 1, 4), -2, false));
    }

    @Test
    void argmaxNeedsTheReducedLengthAndANonEmptyAxis() {
        int[] idx = new int[6];
        OpRequest r = OpRequest.argmax(IN, idx, -1);
        assertSame(idx, r.indices());
        assertNull(r.out());
        rejected("out has 5 elements, argmax of [2, 3, 4] over axis -1 needs 6", () -> OpRequest.argmax(IN, new int[5], -1));
        Tensor empty = Tensor.of(new double[0], 2, 0);
        rejected("argmax over axis 1 of [2, 0]", () -> OpRequest.argmax(empty, new int[2], 1));
        // No rows: nothing to pick, nothing to reject.
        assertEquals(0, OpRequest.argmax(Tensor.of(new double[0], 0, 3), new int[0], 1).outer());
    }

    @Test
    void inPlaceOnlyForShapePreservingOpsAndOnlyExactly() {
        double[] a = new double[24];
        Tensor t = Tensor.of(a, 2, 3, 4);
        assertTrue(OpRequest.softmax(false, t, t, -1, 1).inPlace());
        assertTrue(OpRequest.sigmoid(false, t, Tensor.of(a, 2, 3, 4)).inPlace());
        assertFalse(OpRequest.hardmax(t, out(2, 3, 4), -1).inPlace());
        Tensor column = Tensor.of(new double[3], 3, 1);
        rejected("out overlaps in; logsumexp cannot run in place", () -> OpRequest.logSumExp(column, column.reshape(3), 1, false));
        MemorySegment seg = MemorySegment.ofArray(new double[25]);
        Tensor first = Tensor.of(seg, DType.FLOAT64, 2, 3, 4);
        Tensor shifted = Tensor.of(seg.asSlice(Double.BYTES), DType.FLOAT64, 2, 3, 4);
        rejected("out overlaps in; log-softmax runs in place only when out is exactly in",
                () -> OpRequest.softmax(true, first, shifted, -1, 1));
    }

    @Test
    void anArrayAndASegmentOverItAreInPlace() {
        double[] a = new double[24];
        Tensor arrayView = Tensor.of(a, 2, 3, 4);
        Tensor segmentView = Tensor.of(MemorySegment.ofArray(a), DType.FLOAT64, 2, 3, 4);
        assertTrue(OpRequest.softmax(false, arrayView, segmentView, -1, 1).inPlace());
        Tensor col = Tensor.of(new double[3], 3, 1);
        Tensor aliasOfCol = Tensor.of(MemorySegment.ofArray(col.doubleArray()), DType.FLOAT64, 3);
        rejected("out overlaps in", () -> OpRequest.logSumExp(col, aliasOfCol, 1, false));
    }

    @Test
    void requireHostNamesTheDeviceOperand() {
        Tensor device = Tensor.of(new RemoteBuffer(DType.FLOAT64, 24), 2, 3, 4);
        OpRequest onDevice = OpRequest.softmax(false, device, out(2, 3, 4), -1, 1);
        rejected("in is device memory of backend remote; the scalar backend computes on host memory",
                () -> onDevice.requireHost("scalar"));
        OpRequest intoDevice = OpRequest.sigmoid(false, IN, device);
        rejected("out is device memory of backend remote", () -> intoDevice.requireHost("scalar"));
        OpRequest.argmax(IN, new int[6], -1).requireHost("scalar");
    }

    @Test
    void describesItself() {
        OpRequest r = OpRequest.softmax(true, IN, out(2, 3, 4), 1, 2.5);
        assertEquals(DType.FLOAT64, r.dtype());
        assertSame(IN, r.in());
        assertTrue(r.toString().startsWith("log-softmax(") && r.toString().contains("T 2.5"), r.toString());
    }
}
