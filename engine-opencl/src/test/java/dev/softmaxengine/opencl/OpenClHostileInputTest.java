package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.BackendAssumptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Memory the caller may no longer touch never reaches the driver: before these checks a segment of
 * a closed arena went to JOCL as a raw address, and PoCL read or wrote freed memory (SIGSEGV with
 * 64 KiB, silent corruption of a reused block with 64 MiB). Each case must be an
 * {@link IllegalStateException} naming the operand, as on the CPU backends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClHostileInputTest {
    private static final long ROWS = 64;
    private static final long COLS = 256;
    private OpenClSoftmaxKernel kernel;

    @BeforeAll
    void open() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
        kernel = new OpenClSoftmaxKernel();
    }

    @AfterAll
    void close() {
        if (kernel != null) {
            kernel.close();
        }
    }

    private static Tensor floats(MemorySegment s) {
        return Tensor.of(s, DType.FLOAT32, ROWS, COLS);
    }

    private static Tensor array() {
        return Tensor.of(new float[(int) (ROWS * COLS)], ROWS, COLS);
    }

    private static void illegalState(String message, org.junit.jupiter.api.function.Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void segmentsOfAClosedArenaAreRejectedAsInputOutputAndTransfer() {
        Arena arena = Arena.ofConfined();
        MemorySegment dead = arena.allocate(ROWS * COLS * Float.BYTES);
        arena.close();
        illegalState("in is a segment of a closed arena", () -> kernel.softmax(floats(dead), array()));
        illegalState("out is a segment of a closed arena", () -> kernel.softmax(array(), floats(dead)));
        illegalState("in is a segment of a closed arena", () -> kernel.argmax(floats(dead), new int[(int) ROWS], -1));
        try (DeviceBuffer b = kernel.allocate(DType.FLOAT32, ROWS * COLS)) {
            illegalState("src is a segment of a closed arena", () -> b.write(floats(dead)));
            illegalState("dst is a segment of a closed arena", () -> b.read(floats(dead)));
        }
    }

    @Test
    void segmentsConfinedToAnotherThreadAreRejected() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mine = arena.allocate(ROWS * COLS * Float.BYTES);
            Throwable t = CompletableFuture.supplyAsync(() -> {
                try {
                    kernel.softmax(array(), floats(mine));
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            }).get();
            assertTrue(t instanceof IllegalStateException, String.valueOf(t));
            assertTrue(t.getMessage().startsWith("out is a segment confined to another thread"), t.getMessage());
        }
    }

    @Test
    void nativeSegmentsStillRoundTripThroughTheMappedCopy() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(ROWS * COLS * Float.BYTES);
            MemorySegment out = arena.allocate(ROWS * COLS * Float.BYTES);
            for (long i = 0; i < ROWS * COLS; i++) {
                in.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i * 7919 % 101) / 10f);
            }
            kernel.softmax(floats(in), floats(out));
            float[] expected = new float[(int) (ROWS * COLS)];
            kernel.softmax(Tensor.of(in.toArray(ValueLayout.JAVA_FLOAT), ROWS, COLS), Tensor.of(expected, ROWS, COLS));
            assertArrayEquals(expected, out.toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    /** A shared arena closed while calls copy through it: every call completes or is refused, and the JVM survives. */
    @Test
    void aSharedArenaClosedMidCallIsAnIllegalStateNotACrash() throws Exception {
        long elements = 16L << 20; // 64 MiB of float32: large enough that a close lands inside a copy
        for (int round = 0; round < 4; round++) {
            Arena arena = Arena.ofShared();
            MemorySegment in = arena.allocate(elements * Float.BYTES);
            float[] out = new float[(int) elements];
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Throwable> calls = CompletableFuture.supplyAsync(() -> {
                started.countDown();
                try {
                    for (int i = 0; i < 50; i++) {
                        kernel.softmax(Tensor.of(in, DType.FLOAT32, 1024, elements / 1024), Tensor.of(out, 1024, elements / 1024));
                    }
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            });
            started.await();
            Thread.sleep(20L * round);
            closeWhenFree(arena);
            Throwable t = calls.get();
            assertTrue(t instanceof IllegalStateException, "a call after close is refused: " + t);
        }
        // The kernel is still usable.
        float[] y = new float[4];
        kernel.softmax(Tensor.of(new float[] {0, 0, 0, 0}, 1, 4), Tensor.of(y, 1, 4));
        assertEquals(0.25f, y[0]);
    }

    /** A shared arena refuses to close while a copy holds it; retry until the copy is done. */
    private static void closeWhenFree(Arena arena) throws InterruptedException {
        while (true) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException busy) {
                Thread.sleep(1);
            }
        }
    }

    @Test
    void aNullRequestNamesTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernel.execute(null));
        assertEquals("request must not be null", e.getMessage());
    }

    @Test
    void aClosedKernelRefusesAllocationsAndCalls() {
        OpenClSoftmaxKernel k = new OpenClSoftmaxKernel();
        k.close();
        illegalState("opencl kernel is closed", () -> k.allocate(DType.FLOAT32, 4));
        illegalState("opencl kernel is closed", () -> k.softmax(array(), array()));
    }

    @Test
    void anAllocationLargerThanTheDeviceAllowsIsAnIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernel.allocate(DType.FLOAT32, 1L << 40));
        assertTrue(e.getMessage().startsWith("elements = 1099511627776 elements of FLOAT32"), e.getMessage());
    }
}
