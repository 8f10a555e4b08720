package dev.softmaxengine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.TestSeed;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Steady-state calls allocate no device memory: staging and scratch are reused, buffers freed. */
class CudaMemoryFlatTest {
    private static final int CALLS = 10_000;
    /** Kernel calls per round below (besides two buffers allocated, written, read and freed). */
    private static final int CALLS_PER_ROUND = 6;
    /** The driver may grow its own pools by a page or two on the first calls of a new kernel. */
    private static final long DRIVER_SLACK = 4L << 20;

    @Test
    void tenThousandCallsLeaveDeviceMemoryFlat() {
        BackendAssumptions.requireUsable(CudaSoftmaxKernel.NAME, false);
        SplittableRandom rnd = TestSeed.random("memory flat");
        float[] rows = new float[64 * 1000];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) rnd.nextGaussian();
        }
        float[] out = new float[rows.length];
        float[] lse = new float[64];
        int[] argmax = new int[64];
        Tensor in = Tensor.of(rows, 64, 1000);
        Tensor probs = Tensor.of(out, 64, 1000);
        try (CudaSoftmaxKernel k = new CudaSoftmaxKernel()) {
            Runnable round = () -> {
                try (DeviceBuffer a = k.allocate(DType.FLOAT32, rows.length);
                     DeviceBuffer b = k.allocate(DType.FLOAT32, rows.length)) {
                    a.write(in);
                    Tensor da = Tensor.of(a, 64, 1000);
                    Tensor db = Tensor.of(b, 64, 1000);
                    k.softmax(da, db, -1);
                    k.logSoftmax(db, db, -1);
                    b.read(probs);
                }
                k.softmax(in, probs, 0, 2.0);
                k.logSumExp(in, Tensor.of(lse, 64), -1, false);
                k.argmax(in, argmax, -1);
                k.sigmoid(in, probs);
            };
            for (int i = 0; i < 10; i++) {
                round.run();
            }
            long scratch = k.scratchBytes();
            long before = k.deviceFreeBytes();
            for (int i = 0; i < (CALLS + CALLS_PER_ROUND - 1) / CALLS_PER_ROUND; i++) {
                round.run();
            }
            long after = k.deviceFreeBytes();
            System.out.println("cuda: free device memory " + before + " -> " + after + " bytes over " + CALLS
                    + " calls, scratch " + scratch + " bytes");
            assertEquals(scratch, k.scratchBytes(), "scratch grew after warm-up");
            assertTrue(after >= before - DRIVER_SLACK, "device memory fell from " + before + " to " + after + " bytes");
        }
    }
}
