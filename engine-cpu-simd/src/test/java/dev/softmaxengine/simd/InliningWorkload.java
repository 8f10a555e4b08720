package dev.softmaxengine.simd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Tensor;

/**
 * The row and elementwise ops' hot paths over every dtype and operand kind and ragged row lengths, run long enough
 * for C2 to compile them: {@link InliningTest} forks a JVM that runs this with compilation logging.
 */
final class InliningWorkload {
    private InliningWorkload() {
    }

    /** Row lengths: below, at and around the vector widths, and long rows with ragged tails. */
    static final int[] COLS = {1, 3, 10, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 1024, 1031, 40_000};

    public static void main(String[] args) {
        long elements = args.length > 0 ? Long.parseLong(args[0]) : 3_000_000L;
        SplittableRandom rnd = new SplittableRandom(7);
        try (VectorSoftmaxKernel k = new VectorSoftmaxKernel(2); Arena arena = Arena.ofConfined()) {
            for (int n : COLS) {
                int rows = (int) Math.max(2, Math.min(40_000, 200_000 / n));
                int reps = (int) Math.max(1, elements / ((long) rows * n));
                for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16}) {
                    // bfloat16 has a row-kernel class of its own over native segments only.
                    for (boolean segment : dtype == DType.BFLOAT16 ? new boolean[] {true} : new boolean[] {false, true}) {
                        Tensor in = tensor(dtype, segment, rows, n, rnd, arena);
                        Tensor out = tensor(dtype, segment, rows, n, rnd, arena);
                        Tensor reduced = tensor(dtype, segment, rows, 1, rnd, arena);
                        Tensor columns = tensor(dtype, segment, 1, n, rnd, arena);
                        int[] idx = new int[rows];
                        for (int r = 0; r < reps; r++) {
                            k.softmax(in, out, -1);
                            k.softmax(in, out, -1, 0.5);
                            k.logSoftmax(in, out, -1);
                            k.logSoftmax(in, out, -1, 0.5);
                            k.logSumExp(in, reduced, -1, true);
                            k.hardmax(in, out, -1);
                            k.argmax(in, idx, -1);
                            k.sigmoid(in, out);
                            k.logSigmoid(in, out);
                            if (r % 4 == 0) {
                                k.softmax(in, out, 0);
                                k.logSoftmax(in, out, 0);
                                k.logSumExp(in, columns, 0, true);
                            }
                        }
                    }
                }
            }
        }
    }

    private static Tensor tensor(DType dtype, boolean segment, int rows, int n, SplittableRandom rnd, Arena arena) {
        int size = rows * n;
        if (segment) {
            MemorySegment s = arena.allocate((long) size * dtype.byteSize(), 64);
            for (int i = 0; i < size; i++) {
                if (dtype == DType.BFLOAT16) {
                    s.setAtIndex(Tensor.I16, i, Half.floatToBf16((float) rnd.nextGaussian(0, 4)));
                } else if (dtype == DType.FLOAT32) {
                    s.setAtIndex(Tensor.F32, i, (float) rnd.nextGaussian(0, 4));
                } else {
                    s.setAtIndex(Tensor.F64, i, rnd.nextGaussian(0, 4));
                }
            }
            return Tensor.of(s, dtype, rows, n);
        }
        if (dtype == DType.FLOAT32) {
            float[] a = new float[size];
            for (int i = 0; i < size; i++) {
                a[i] = (float) rnd.nextGaussian(0, 4);
            }
            return Tensor.of(a, rows, n);
        }
        double[] a = new double[size];
        for (int i = 0; i < size; i++) {
            a[i] = rnd.nextGaussian(0, 4);
        }
        return Tensor.of(a, rows, n);
    }
}
