package dev.softmaxengine.simd;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.Soak;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Create / compute / close cycles of the CPU backends, and many calls on one kernel: heap and RSS
 * flat (their slopes, fitted over the run, under 16 KiB per cycle and 256 bytes per
 * call: generous, since the JIT and the collector move resident memory by tens of MB between
 * samples, yet under what a leaked 3.2 KB buffer per call or a leaked kernel (a worker thread's
 * stack, also caught by the thread count) per cycle costs), the Java
 * threads (simd's workers) back to their count. {@code -Dsoak.scale=5} runs 10^5 cycles and 10^6
 * calls per backend.
 */
class CpuSoakTest {
    private static final int ROWS = 8;
    private static final int COLS = 100;

    private static final float[] X = new float[ROWS * COLS];

    static {
        for (int i = 0; i < X.length; i++) {
            X[i] = (i * 31 % 97) / 10f;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void createComputeCloseCyclesLeakNothing(String backend) throws Exception {
        float[] y = new float[X.length];
        Soak.run(backend + " create/compute/close", Soak.count(20_000), 16 << 10, i -> {
            try (SoftmaxKernel k = Backends.create(backend)) {
                k.softmax(Tensor.of(X, ROWS, COLS), Tensor.of(y, ROWS, COLS));
                try (DeviceBuffer b = k.allocate(DType.FLOAT32, X.length)) {
                    b.write(Tensor.of(X, ROWS, COLS));
                    k.logSoftmax(Tensor.of(b, ROWS, COLS), Tensor.of(b, ROWS, COLS), -1);
                    b.read(Tensor.of(y, ROWS, COLS));
                }
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void callsOnOneKernelLeakNothing(String backend) throws Exception {
        float[] y = new float[X.length];
        float[] lse = new float[ROWS];
        int[] argmax = new int[ROWS];
        try (SoftmaxKernel k = Backends.create(backend); DeviceBuffer b = k.allocate(DType.FLOAT32, X.length)) {
            b.write(Tensor.of(X, ROWS, COLS));
            Soak.run(backend + " calls on one kernel", Soak.count(200_000), 256, i -> {
                switch ((int) (i % 4)) {
                    case 0 -> k.softmax(Tensor.of(X, ROWS, COLS), Tensor.of(y, ROWS, COLS));
                    case 1 -> k.logSumExp(Tensor.of(X, ROWS, COLS), Tensor.of(lse, ROWS), -1, false);
                    case 2 -> k.argmax(Tensor.of(X, ROWS, COLS), Tensor.of(argmax, ROWS), -1, false);
                    default -> k.sigmoid(Tensor.of(b, ROWS, COLS), Tensor.of(b, ROWS, COLS));
                }
            });
        }
    }
}
