package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.BackendAssumptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Create / compute / close cycles, sized to finish in seconds here; {@code -Dsoak.cycles=N} runs
 * longer. Each cycle must leave no memory objects and no threads behind, and resident memory must
 * stay flat: its growth over the second half of the run is printed and bounded.
 */
class OpenClSoakTest {
    private static final int CYCLES = Integer.getInteger("soak.cycles", 300);

    @BeforeAll
    static void requireOpenCl() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
    }

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void createComputeCloseCyclesLeakNothing() throws IOException {
        float[] x = new float[64 * 1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 31 % 97) / 10f;
        }
        float[] y = new float[x.length];
        // One cycle first, so the driver's one-time allocations (compiler, caches) are not counted.
        cycle(x, y);
        int threads = Thread.activeCount();
        long rssMid = 0;
        long start = System.nanoTime();
        for (int i = 0; i < CYCLES; i++) {
            cycle(x, y);
            if (i == CYCLES / 2) {
                System.gc();
                rssMid = rssKiB();
            }
        }
        System.gc();
        long rssEnd = rssKiB();
        double perCycleKiB = (rssEnd - rssMid) / (double) Math.max(1, CYCLES - CYCLES / 2);
        System.out.printf(Locale.ROOT, "opencl soak: %d cycles in %.1f s, RSS %d -> %d KiB over the second half"
                + " (%.1f KiB per cycle), %d threads before and %d after%n", CYCLES, (System.nanoTime() - start) / 1e9,
                rssMid, rssEnd, perCycleKiB, threads, Thread.activeCount());
        assertTrue(Thread.activeCount() <= threads, "threads before " + threads + ", after " + Thread.activeCount());
        // A leaked context or program costs megabytes per cycle on PoCL; noise is a few KiB per cycle.
        assertTrue(perCycleKiB < 256, perCycleKiB + " KiB of RSS per cycle");
    }

    private static void cycle(float[] x, float[] y) {
        OpenClSoftmaxKernel k = new OpenClSoftmaxKernel();
        try (k) {
            k.softmax(Tensor.of(x, 64, 1000), Tensor.of(y, 64, 1000));
            try (DeviceBuffer b = k.allocate(DType.FLOAT32, x.length)) {
                b.write(Tensor.of(x, 64, 1000));
                k.logSoftmax(Tensor.of(b, 64, 1000), Tensor.of(b, 64, 1000), -1);
            }
            assertEquals(2, k.liveMemObjects(), "only the in and out staging buffers are left before close");
        }
        assertEquals(0, k.liveMemObjects(), "close releases every memory object");
    }
}
