package dev.softmaxengine.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Soak runs: a body repeated many times while heap and resident memory are sampled after a GC, a
 * least-squares slope fitted to each, and the slopes bounded; the JVM's threads must be no more
 * than before the run. Counts are a base times {@code -Dsoak.scale=S} (default 1, sized to
 * take seconds here); the README's Reliability section gives the long command.
 */
public final class Soak {
    /** System property multiplying every soak count. */
    public static final String SCALE_PROPERTY = "soak.scale";
    private static final int SAMPLES = 9;
    /**
     * Fitted growth over a whole run that is noise, not a leak: RSS moved by up to 5 MiB over
     * 15,000 OpenCL calls that hold nothing (the driver's and the JIT's arenas).
     */
    private static final double NOISE_BYTES = 32 << 20;

    private Soak() {
    }

    /** {@code base} times the scale, at least 1. */
    public static long count(long base) {
        String p = System.getProperty(SCALE_PROPERTY);
        double scale = p == null || p.isBlank() ? 1 : Double.parseDouble(p.strip());
        return Math.max(1, Math.round(base * scale));
    }

    /**
     * One run's figures: slopes in bytes per iteration over the samples after the warm-up quarter, of
     * the heap in use and of resident memory (VmRSS), both after a GC.
     */
    public record Result(String label, long iterations, double seconds, double heapBytesPerIteration,
            double rssBytesPerIteration, long rssFirstKiB, long rssLastKiB, int threadsBefore, int threadsAfter) {
    }

    /** What one iteration does; {@code i} counts from 0. */
    @FunctionalInterface
    public interface Body {
        void run(long i) throws Exception;
    }

    /**
     * Runs {@code body} {@code iterations} times (a quarter first as warm-up, not sampled: the JIT's memory settles), prints
     * the figures and asserts the heap and RSS slopes below {@code maxBytesPerIteration} (or 32 MiB over
     * the run, when that is more) and the
     * Java threads no more than after the warm-up.
     */
    public static Result run(String label, long iterations, double maxBytesPerIteration, Body body) throws Exception {
        long warm = Math.max(1, iterations / 4);
        for (long i = 0; i < warm; i++) {
            body.run(i);
        }
        int threadsBefore = liveThreads();
        long start = System.nanoTime();
        double[] at = new double[SAMPLES];
        double[] heap = new double[SAMPLES];
        double[] rss = new double[SAMPLES];
        long rest = iterations - warm;
        long done = 0;
        for (int s = 0; s < SAMPLES; s++) {
            long until = rest * s / (SAMPLES - 1);
            for (; done < until; done++) {
                body.run(warm + done);
            }
            gc();
            at[s] = done;
            heap[s] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            rss[s] = rssKiB() * 1024.0;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Result r = new Result(label, iterations, seconds, slope(at, heap), slope(at, rss), (long) rss[0] / 1024,
                (long) rss[SAMPLES - 1] / 1024, threadsBefore, liveThreads());
        System.out.printf(Locale.ROOT, "soak %s: %d iterations, %d after warm-up in %.1f s; heap %+.2f B/iteration,"
                + " RSS %d -> %d KiB (%+.2f B/iteration); threads %d -> %d%n", label, iterations, rest, seconds,
                r.heapBytesPerIteration(), r.rssFirstKiB(), r.rssLastKiB(), r.rssBytesPerIteration(), r.threadsBefore(),
                r.threadsAfter());
        if (rest >= SAMPLES) {
            // Over a short run the noise alone can exceed the per-iteration bound.
            double bound = Math.max(maxBytesPerIteration, NOISE_BYTES / rest);
            assertTrue(r.heapBytesPerIteration() < bound, label + ": heap grows "
                    + r.heapBytesPerIteration() + " bytes per iteration, bound " + bound);
            assertTrue(r.rssBytesPerIteration() < bound, label + ": RSS grows "
                    + r.rssBytesPerIteration() + " bytes per iteration, bound " + bound);
        }
        // At most as many: a pool thread of an earlier test may time out meanwhile, which is no leak.
        assertTrue(r.threadsAfter() <= threadsBefore, label + ": live threads " + threadsBefore + " before, "
                + r.threadsAfter() + " after");
        return r;
    }

    private static void gc() {
        System.gc();
        System.gc();
    }

    /** Live Java threads; the ones of a closed kernel are joined by its close(). */
    private static int liveThreads() {
        return Thread.getAllStackTraces().size();
    }

    /** Least-squares slope of y over x. */
    static double slope(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i] / x.length;
            my += y[i] / y.length;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }

    /** Resident memory of this process, from /proc/self/status. */
    public static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
