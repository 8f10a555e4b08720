package dev.softmaxengine.bench.suite;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The CPU's copy ceiling, STREAM's Copy: one off-heap array into another with
 * {@link MemorySegment#copy}, split into equal page-aligned slices across {@code threads} threads
 * (the caller's and {@code threads - 1} workers, as the SIMD kernel splits its rows). Both arrays
 * are touched before timing so that page faults are not counted.
 */
final class CpuCopy implements AutoCloseable {
    private static final long PAGE = 4096;

    private final long bytes;
    private final int threads;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment src;
    private final MemorySegment dst;
    private final ExecutorService workers;

    CpuCopy(long bytes, int threads) {
        if (bytes < PAGE) {
            throw new IllegalArgumentException("bytes must be >= " + PAGE + ", was " + bytes);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.bytes = bytes;
        this.threads = threads;
        this.src = arena.allocate(bytes, PAGE);
        this.dst = arena.allocate(bytes, PAGE);
        src.fill((byte) 1);
        dst.fill((byte) 0);
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "bench-copy-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Measures the copy; each sample moves {@code 2 * bytes} (read + written). */
    static Ceiling measure(long bytes, int threads, Timing timing) {
        try (CpuCopy copy = new CpuCopy(bytes, threads)) {
            Samples samples = TimingLoop.measure(copy::copyOnce, timing);
            String label = "CPU copy, " + threads + (threads == 1 ? " thread" : " threads");
            return Ceiling.of(Ceiling.cpuId(threads), label, "cpu", threads, 2 * bytes, samples, "suite");
        }
    }

    private OptionalDouble copyOnce() {
        if (workers == null) {
            MemorySegment.copy(src, 0, dst, 0, bytes);
            return OptionalDouble.empty();
        }
        long slice = Math.ceilDiv(Math.ceilDiv(bytes, threads), PAGE) * PAGE;
        List<Future<?>> pending = new ArrayList<>(threads - 1);
        for (int t = 1; t < threads; t++) {
            long from = Math.min(bytes, t * slice);
            long length = Math.min(bytes, from + slice) - from;
            pending.add(workers.submit(() -> MemorySegment.copy(src, from, dst, from, length)));
        }
        MemorySegment.copy(src, 0, dst, 0, Math.min(bytes, slice));
        try {
            for (Future<?> f : pending) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("copy interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("copy worker failed: " + e.getCause(), e.getCause());
        }
        return OptionalDouble.empty();
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
        arena.close();
    }
}
