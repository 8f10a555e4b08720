package dev.softmaxengine.api;

import dev.softmaxengine.api.spi.KernelBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Calls a careless or hostile caller makes: each a clear exception or an immediate return, never a hang or a JDK error. */
class ScalarKernelHostileInputTest {
    private final SoftmaxKernel kernel = new ScalarSoftmaxKernel();

    /** A hang guard, not a speed claim: before the fix these looped over 2^40 empty slices for hours. */
    private static final Duration HANG = Duration.ofSeconds(60);

    @Test
    void zeroElementTensorsWithHugeDimensionsReturnAtOnce() {
        long huge = 1L << 40;
        for (long[] dims : new long[][] {{huge, 0}, {0, huge}, {1_000_000_000, 0}, {huge, 0, 3}}) {
            Tensor in = Tensor.of(new float[0], dims);
            Tensor out = Tensor.of(new float[0], dims);
            assertTimeoutPreemptively(HANG, () -> {
                kernel.softmax(in, out, -1);
                kernel.softmax(in, out, 0);
                kernel.hardmax(in, out, 0);
                kernel.sigmoid(in, out);
            }, java.util.Arrays.toString(dims));
        }
    }

    @Test
    void aNullRequestNamesTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ((KernelBackend) kernel).execute(null));
        assertEquals("request must not be null", e.getMessage());
    }

    @Test
    void segmentsOfAClosedArenaOrAnotherThreadAreAnIllegalStateNamingTheOperand() throws Exception {
        Arena closed = Arena.ofConfined();
        MemorySegment dead = closed.allocate(4L * Float.BYTES);
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> kernel.softmax(Tensor.of(dead, DType.FLOAT32, 4), Tensor.of(new float[4], 4)));
        assertEquals("in is a segment of a closed arena", e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> kernel.softmax(Tensor.of(new float[4], 4), Tensor.of(dead, DType.FLOAT32, 4)));
        assertEquals("out is a segment of a closed arena", e.getMessage());

        try (Arena mine = Arena.ofConfined()) {
            MemorySegment confined = mine.allocate(4L * Float.BYTES);
            Throwable t = CompletableFuture.supplyAsync(() -> {
                try {
                    kernel.softmax(Tensor.of(confined, DType.FLOAT32, 4), Tensor.of(new float[4], 4));
                    return null;
                } catch (RuntimeException x) {
                    return x;
                }
            }).get();
            assertTrue(t instanceof IllegalStateException, String.valueOf(t));
            assertTrue(t.getMessage().startsWith("in is a segment confined to another thread"), t.getMessage());
        }
    }

    @Test
    void anAllocationTheProcessCannotHoldIsAnIllegalArgumentNotAnOutOfMemoryError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernel.allocate(DType.FLOAT64, 1L << 40));
        assertTrue(e.getMessage().startsWith("elements = 1099511627776 of FLOAT64 need 8796093022208 bytes"),
                e.getMessage());
    }
}
