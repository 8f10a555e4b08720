package dev.softmaxengine.simd;

import dev.softmaxengine.api.Op;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.Tensor;
import org.junit.jupiter.api.Test;

class VectorSoftmaxKernelTest {

    /** A [10^9, 0] input has nothing to compute: it must not loop over a billion empty rows. */
    @Test
    void emptyInputWithHugeDimensionsReturnsAtOnce() {
        try (VectorSoftmaxKernel k = new VectorSoftmaxKernel(2)) {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                k.softmax(Tensor.of(new float[0], 1_000_000_000, 0), Tensor.of(new float[0], 1_000_000_000, 0), -1);
                k.softmax(Tensor.of(new double[0], 0, 1L << 40), Tensor.of(new double[0], 0, 1L << 40), 0);
                k.sigmoid(Tensor.of(new float[0], 1L << 40, 0), Tensor.of(new float[0], 1L << 40, 0));
            });
            float[] lse = {1, 2, 3};
            k.logSumExp(Tensor.of(new float[0], 3, 0), Tensor.of(lse, 3), -1, false);
            assertTrue(lse[0] == Float.NEGATIVE_INFINITY && lse[2] == Float.NEGATIVE_INFINITY, "logsumexp of empty rows");
        }
    }

    @Test
    void aClosedKernelRefusesCallsAndAllocations() {
        VectorSoftmaxKernel k = new VectorSoftmaxKernel(2);
        k.close();
        float[] x = new float[1 << 17];
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> k.softmax(Tensor.of(x, 4, 1 << 15), Tensor.of(new float[x.length], 4, 1 << 15), -1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> k.allocate(dev.softmaxengine.api.DType.FLOAT32, 4));
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> new VectorSoftmaxKernel(1).execute(null));
        assertTrue(n.getMessage().contains("request"), n.getMessage());
    }

    @Test
    void deadOrForeignSegmentsAreRefusedByName() throws Exception {
        try (VectorSoftmaxKernel k = new VectorSoftmaxKernel(2)) {
            java.lang.foreign.Arena closed = java.lang.foreign.Arena.ofShared();
            java.lang.foreign.MemorySegment dead = closed.allocate(4L * 1024, 64);
            closed.close();
            Tensor deadIn = Tensor.of(dead, dev.softmaxengine.api.DType.FLOAT32, 4, 256);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> k.softmax(deadIn, Tensor.of(new float[1024], 4, 256), -1));
            assertTrue(e.getMessage().startsWith("in "), e.getMessage());
            try (java.lang.foreign.Arena confined = java.lang.foreign.Arena.ofConfined()) {
                Tensor mine = Tensor.of(confined.allocate(4L * 1024, 64), dev.softmaxengine.api.DType.FLOAT32, 4, 256);
                Throwable[] seen = new Throwable[1];
                Thread t = new Thread(() -> {
                    try {
                        k.softmax(Tensor.of(new float[1024], 4, 256), mine, -1);
                    } catch (Throwable x) {
                        seen[0] = x;
                    }
                });
                t.start();
                t.join();
                assertTrue(seen[0] instanceof IllegalStateException && seen[0].getMessage().startsWith("out "),
                        String.valueOf(seen[0]));
            }
        }
    }

    @Test
    void threadCountIsValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VectorSoftmaxKernel(0));
        assertTrue(e.getMessage().contains("threads"), e.getMessage());
    }

    @Test
    void threadsPropertyIsValidated() {
        String old = System.getProperty(VectorSoftmaxKernel.THREADS_PROPERTY);
        try {
            System.setProperty(VectorSoftmaxKernel.THREADS_PROPERTY, "zero");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, VectorSoftmaxKernel::new);
            assertTrue(e.getMessage().contains(VectorSoftmaxKernel.THREADS_PROPERTY), e.getMessage());
            System.setProperty(VectorSoftmaxKernel.THREADS_PROPERTY, "3");
            try (VectorSoftmaxKernel k = new VectorSoftmaxKernel()) {
                assertEquals(3, k.threads());
            }
        } finally {
            if (old == null) {
                System.clearProperty(VectorSoftmaxKernel.THREADS_PROPERTY);
            } else {
                System.setProperty(VectorSoftmaxKernel.THREADS_PROPERTY, old);
            }
        }
    }

    /**
     * Splitting rows across threads covers every row once. Not compared bit for bit: a worker may
     * still run a lower JIT tier, whose Vector API fallback sums lanes in another order.
     */
    @Test
    void parallelResultsMatchSingleThreaded() {
        int rows = 512;
        int cols = 1000;
        float[] x = new float[rows * cols];
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 40 - 20);
        }
        float[] one = new float[x.length];
        float[] four = new float[x.length];
        try (VectorSoftmaxKernel k1 = new VectorSoftmaxKernel(1); VectorSoftmaxKernel k4 = new VectorSoftmaxKernel(4)) {
            for (int axis : new int[] {0, 1}) {
                k1.softmax(Tensor.of(x, rows, cols), Tensor.of(one, rows, cols), axis);
                k4.softmax(Tensor.of(x, rows, cols), Tensor.of(four, rows, cols), axis);
                assertWithinBound(k1, dev.softmaxengine.api.Op.SOFTMAX, one, four, "axis " + axis);
            }
            k1.sigmoid(Tensor.of(x, rows, cols), Tensor.of(one, rows, cols));
            k4.sigmoid(Tensor.of(x, rows, cols), Tensor.of(four, rows, cols));
            assertWithinBound(k1, dev.softmaxengine.api.Op.SIGMOID, one, four, "sigmoid");
        }
    }

    /** Large enough to go parallel, but in a confined arena that only this thread may touch. */
    @Test
    void confinedSegmentsStayOnTheCallersThread() {
        int rows = 256;
        int cols = 1024;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        float[] want = new float[x.length];
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
             VectorSoftmaxKernel k = new VectorSoftmaxKernel(2)) {
            java.lang.foreign.MemorySegment seg = arena.allocate((long) x.length * Float.BYTES);
            java.lang.foreign.MemorySegment.copy(x, 0, seg, Tensor.F32, 0, x.length);
            Tensor t = Tensor.of(seg, dev.softmaxengine.api.DType.FLOAT32, rows, cols);
            k.softmax(t, t);
            k.softmax(Tensor.of(x, rows, cols), Tensor.of(want, rows, cols));
            assertWithinBound(k, dev.softmaxengine.api.Op.SOFTMAX, want, seg.toArray(Tensor.F32), "confined segment");
        }
    }

    private static void assertWithinBound(VectorSoftmaxKernel k, dev.softmaxengine.api.Op op, float[] want, float[] got,
                                          String what) {
        dev.softmaxengine.api.Tolerance t = k.tolerance(op, dev.softmaxengine.api.DType.FLOAT32);
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            int at = i;
            assertTrue(t.accepts(got[i], want[i]), () -> what + ": element " + at + " is " + got[at] + ", want " + want[at]);
        }
    }

    @Test
    void providerIsFoundAndPreferredOverScalar() {
        Backends.Status simd = Backends.status(VectorSoftmaxKernel.NAME);
        KernelProvider.Probe probe = simd.probe();
        assertTrue(probe.usable(), probe.reason());
        assertTrue(probe.autoRank() > Backends.status("scalar").probe().autoRank());
        assertEquals(VectorSoftmaxKernel.NAME, Backends.autoChoice(), "auto on a CPU-only host");
    }
}
