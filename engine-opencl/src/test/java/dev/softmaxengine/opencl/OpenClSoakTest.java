package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.Soak;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Create / compute / close cycles, and calls on one kernel, sized to finish in seconds here;
 * {@code -Dsoak.scale=S} runs S times as many (see {@link Soak}). Each cycle must leave no memory
 * objects behind, the Java threads must be back to their count, and heap and resident memory flat:
 * their slopes over the run under 64 KiB per cycle (a leaked context or program costs megabytes on
 * PoCL) and 256 bytes per call (a leaked staging buffer, 256 KB here, far more).
 */
class OpenClSoakTest {
    private static final int ROWS = 64;
    private static final int COLS = 1000;

    @BeforeAll
    static void requireOpenCl() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
    }

    private static float[] input() {
        float[] x = new float[ROWS * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 31 % 97) / 10f;
        }
        return x;
    }

    @Test
    void createComputeCloseCyclesLeakNothing() throws Exception {
        float[] x = input();
        float[] y = new float[x.length];
        Soak.run("opencl create/compute/close", Soak.count(300), 64 << 10, i -> cycle(x, y));
    }

    @Test
    void callsOnOneKernelLeakNothing() throws Exception {
        float[] x = input();
        float[] y = new float[x.length];
        float[] lse = new float[ROWS];
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel(); DeviceBuffer b = k.allocate(DType.FLOAT32, x.length)) {
            b.write(Tensor.of(x, ROWS, COLS));
            Soak.run("opencl calls on one kernel", Soak.count(20_000), 256, i -> {
                switch ((int) (i % 3)) {
                    case 0 -> k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(y, ROWS, COLS));
                    case 1 -> k.logSumExp(Tensor.of(x, ROWS, COLS), Tensor.of(lse, ROWS), -1, false);
                    default -> k.sigmoid(Tensor.of(b, ROWS, COLS), Tensor.of(b, ROWS, COLS));
                }
            });
            assertEquals(3, k.liveMemObjects(), "the in and out staging buffers and b");
        }
    }

    private static void cycle(float[] x, float[] y) {
        OpenClSoftmaxKernel k = new OpenClSoftmaxKernel();
        try (k) {
            k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(y, ROWS, COLS));
            try (DeviceBuffer b = k.allocate(DType.FLOAT32, x.length)) {
                b.write(Tensor.of(x, ROWS, COLS));
                k.logSoftmax(Tensor.of(b, ROWS, COLS), Tensor.of(b, ROWS, COLS), -1);
            }
            assertEquals(2, k.liveMemObjects(), "only the in and out staging buffers are left before close");
        }
        assertEquals(0, k.liveMemObjects(), "close releases every memory object");
    }
}
