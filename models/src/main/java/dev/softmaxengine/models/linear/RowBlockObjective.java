package dev.softmaxengine.models.linear;

import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.optim.DifferentiableFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A penalized negative log-likelihood summed over the rows of a dataset, evaluated over fixed row
 * blocks on a thread pool. The blocks depend only on the row count and their partial sums are added
 * in block order, so the value and gradient are bit-for-bit the same for any number of threads.
 */
abstract class RowBlockObjective implements DifferentiableFunction, AutoCloseable {
    /** Rows scored per GEMM + kernel call inside a block: 256 x K scores stay in L1/L2. */
    static final int BATCH = 256;
    private static final int MIN_BLOCK_ROWS = 1024;
    private static final int MAX_BLOCKS = 64;

    final Dataset data;
    private final int blockRows;
    private final int blocks;
    private final double[][] partialGradients;
    private final double[] partialLosses;
    private final ExecutorService pool;

    RowBlockObjective(Dataset data, int parameters, int threads) {
        this.data = data;
        int n = data.rows();
        this.blockRows = Math.max(MIN_BLOCK_ROWS, (n + MAX_BLOCKS - 1) / MAX_BLOCKS);
        this.blocks = Math.max(1, (n + blockRows - 1) / blockRows);
        this.partialGradients = new double[blocks][parameters];
        this.partialLosses = new double[blocks];
        int workers = Math.min(threads, blocks);
        this.pool = workers > 1 ? Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "softmax-engine-gradient");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Adds the gradient of the negative log-likelihood of rows {@code [from, to)} at {@code params}
     * to {@code gradient} (zeroed by the caller) and returns that negative log-likelihood.
     */
    abstract double block(double[] params, int from, int to, double[] gradient);

    /** Adds the penalty's gradient to {@code gradient} and returns the penalty. */
    abstract double penalty(double[] params, double[] gradient);

    @Override
    public final double valueAndGradient(double[] params, double[] gradient) {
        if (pool == null) {
            for (int b = 0; b < blocks; b++) {
                runBlock(params, b);
            }
        } else {
            List<Future<?>> futures = new ArrayList<>(blocks);
            for (int b = 0; b < blocks; b++) {
                int block = b;
                futures.add(pool.submit(() -> runBlock(params, block)));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while computing the gradient", e);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        Arrays.fill(gradient, 0);
        double loss = 0;
        for (int b = 0; b < blocks; b++) {
            loss += partialLosses[b];
            double[] g = partialGradients[b];
            for (int i = 0; i < gradient.length; i++) {
                gradient[i] += g[i];
            }
        }
        return loss + penalty(params, gradient);
    }

    private void runBlock(double[] params, int b) {
        double[] g = partialGradients[b];
        Arrays.fill(g, 0);
        int from = b * blockRows;
        int to = Math.min(data.rows(), from + blockRows);
        partialLosses[b] = block(params, from, to, g);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
