package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.SoftmaxKernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * How the sequence models run: a {@link LinearChain} on a kernel, a batch size and a number of
 * threads. Sequences are sorted by length and cut into batches of {@code batchSize} (so a batch
 * pads little and a wide backend gets {@code batchSize * K * K} elements per call); batch
 * {@code i} goes to thread {@code i mod threads}, each thread with its own workspace. The
 * assignment is fixed, so sums reduced in thread order are reproducible run to run.
 *
 * <p>Does not own the kernel: the caller closes it.
 */
public final class ChainInference {
    /**
     * Sequences per batch unless told otherwise: a CoNLL chunking step is then a [128, 22, 22]
     * float64 tensor, half a MiB that stays in L2, and with threads over batches a bigger tensor
     * buys nothing on a CPU but more padding.
     */
    public static final int DEFAULT_BATCH_SIZE = 128;

    private final LinearChain chain;
    private final int threads;
    private final int batchSize;

    /**
     * Inference on {@code kernel}, batching sequences of similar length and spreading batches over threads.
     *
     * @param kernel the kernel for every normalization; not owned
     * @param threads worker threads, at least 1
     * @param batchSize sequences per batch, at least 1
     * @throws IllegalArgumentException for a count below 1 or a null kernel
     */
    public ChainInference(SoftmaxKernel kernel, int threads, int batchSize) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
        }
        this.chain = new LinearChain(kernel);
        this.threads = threads;
        this.batchSize = batchSize;
    }

    /**
     * One thread per available processor, {@link #DEFAULT_BATCH_SIZE} sequences per batch.
     *
     * @param kernel the kernel for every normalization; not owned
     */
    public ChainInference(SoftmaxKernel kernel) {
        this(kernel, Runtime.getRuntime().availableProcessors(), DEFAULT_BATCH_SIZE);
    }

    /**
     * The chain operations the batches run.
     *
     * @return the chain on this inference's kernel
     */
    public LinearChain chain() {
        return chain;
    }

    /**
     * The number of worker threads.
     *
     * @return at least 1
     */
    public int threads() {
        return threads;
    }

    /**
     * The most sequences per batch.
     *
     * @return at least 1
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Work on one batch: {@code sequences} are indices into the caller's data, longest first.
     *
     * @param <W> the per-thread workspace type
     */
    @FunctionalInterface
    public interface BatchTask<W> {
        /**
         * Processes one batch.
         *
         * @param workspace the calling thread's workspace, used by no other thread meanwhile
         * @param sequences indices of the batch's sequences, longest first
         */
        void run(W workspace, int[] sequences);
    }

    /**
     * Runs {@code task} over every batch of the sequences with the given lengths and returns the
     * workspaces, one per thread that had work, in thread order (for reducing per-thread sums).
     *
     * @param <W> the per-thread workspace type
     * @param lengths the length of every sequence, indexed as the caller's data
     * @param workspace makes one workspace per thread
     * @param task run once per batch
     * @return the workspaces that ran at least one batch
     */
    public <W> List<W> forEachBatch(int[] lengths, Supplier<W> workspace, BatchTask<W> task) {
        if (lengths == null) {
            throw new IllegalArgumentException("lengths must not be null");
        }
        List<int[]> batches = batches(lengths);
        int workers = Math.min(threads, batches.size());
        List<W> spaces = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            spaces.add(workspace.get());
        }
        if (workers <= 1) {
            for (int[] batch : batches) {
                task.run(spaces.getFirst(), batch);
            }
            return spaces;
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
            List<Future<?>> futures = new ArrayList<>(workers);
            for (int w = 0; w < workers; w++) {
                int worker = w;
                futures.add(pool.submit(() -> {
                    for (int i = worker; i < batches.size(); i += workers) {
                        task.run(spaces.get(worker), batches.get(i));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return spaces;
    }

    /** Sequence indices sorted by decreasing length, cut into batches of {@link #batchSize}. */
    List<int[]> batches(int[] lengths) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Integer.compare(lengths[y], lengths[x]));
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            int[] b = new int[to - from];
            for (int i = from; i < to; i++) {
                b[i - from] = order[i];
            }
            out.add(b);
        }
        return out;
    }
}
