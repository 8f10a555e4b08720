package dev.softmaxengine.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.testkit.TestSeed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The block shapes {@link HalfRows} makes that the parity suite's sizes do not reach: slices along
 * a non-last axis longer than a block (tiles one column wide, n > BLOCK / 2), rows longer than a
 * block, and many narrow slabs, on arrays and on shared off-heap segments (the workers' path).
 */
class HalfRowsTest {
    private static final long[][] SHAPES = {
            {2, HalfRows.BLOCK / 2 + 1, 3}, {1, HalfRows.BLOCK + 7, 2}, {3, 1000, 5}, {1, 3, HalfRows.BLOCK + 9},
            {2, 2 * HalfRows.BLOCK + 3}};

    @Test
    void blocksAndTilesMatchTheOracle() {
        ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel();
        try (VectorSoftmaxKernel simd = new VectorSoftmaxKernel(2); Arena arena = Arena.ofShared()) {
            for (DType d : DType.halves()) {
                for (long[] shape : SHAPES) {
                    SplittableRandom rnd = TestSeed.random("half rows " + d + Arrays.toString(shape));
                    int size = Math.toIntExact(Shape.of(shape).size());
                    short[] bits = new short[size];
                    double[] wide = new double[size];
                    for (int i = 0; i < size; i++) {
                        bits[i] = Half.fromDouble(d, 4 * rnd.nextGaussian());
                        wide[i] = Half.toFloat(d, bits[i]);
                    }
                    int axis = 1;
                    for (Op op : new Op[] {Op.SOFTMAX, Op.LOG_SOFTMAX, Op.LOGSUMEXP, Op.HARDMAX, Op.ARGMAX, Op.SIGMOID}) {
                        String what = op.cliName() + " " + d + " " + Arrays.toString(shape) + " axis " + axis;
                        long[] outShape = op.isReducing() ? Shape.of(shape).reduce(axis, false).dims() : shape;
                        int outSize = Math.toIntExact(Shape.of(outShape).size());
                        if (op == Op.ARGMAX) {
                            int[] expected = new int[outSize];
                            int[] actual = new int[outSize];
                            oracle.argmax(Tensor.of(wide, shape), expected, axis);
                            simd.argmax(Tensor.of(bits, d, shape), actual, axis);
                            assertArrayEquals(expected, actual, what);
                            continue;
                        }
                        double[] expected = new double[outSize];
                        oracle.execute(OpRequest.of(op, Tensor.of(wide, shape), Tensor.of(expected, outShape), axis));
                        Tolerance bound = simd.tolerance(op, d);
                        Tensor onArray = Tensor.of(new short[outSize], d, outShape);
                        simd.execute(OpRequest.of(op, Tensor.of(bits, d, shape), onArray, axis));
                        MemorySegment in = arena.allocate((long) size * Short.BYTES, 64);
                        MemorySegment.copy(bits, 0, in, Tensor.I16, 0, size);
                        Tensor onSegment = Tensor.of(arena.allocate((long) outSize * Short.BYTES, 64), d, outShape);
                        simd.execute(OpRequest.of(op, Tensor.of(in, d, shape), onSegment, axis));
                        for (int i = 0; i < outSize; i++) {
                            double e = expected[i];
                            assertTrue(bound.accepts(onArray.get(i), e), what + " on arrays, element " + i + ": "
                                    + onArray.get(i) + ", oracle " + e + "; rerun with -D" + TestSeed.PROPERTY + "=" + TestSeed.value());
                            assertTrue(bound.accepts(onSegment.get(i), e), what + " on segments, element " + i + ": "
                                    + onSegment.get(i) + ", oracle " + e + "; rerun with -D" + TestSeed.PROPERTY + "=" + TestSeed.value());
                        }
                    }
                }
            }
        }
    }
}
