package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.simd.VectorExp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The compute roof's probe: {@link VectorExp#expNonPositive} (the SIMD kernels' exp) over two
 * independent chains of vectors in registers, summed so that the JIT cannot drop it, on
 * {@code threads} threads at once; the argument moves by a scalar each iteration so that no exp is
 * loop-invariant. No memory is read or written inside the loop. Why two chains: on Zen 5 (AVX-512,
 * JDK 25) two ran at 8.6 G exp/s on one thread, within 10% of the same exp over an L1-resident
 * array (9.5, loads and stores included), while three or more fell to 0.2-3 G exp/s: C2 then no
 * longer keeps the vectors in registers and boxes them. The float and double loops are
 * twins because the Vector API has no generic species arithmetic that C2 still scalar-replaces:
 * one method shared by both types would see both at its call sites and box its vectors.
 */
final class ExpThroughput implements AutoCloseable {
    /**
     * Vector iterations per chain per loop: about 16 us of one AVX-512 core once compiled. Short, so
     * that the interpreted and C1 loops before C2 has compiled it (the Vector API is only
     * intrinsified by C2, and 100x slower before) pass quickly.
     */
    static final int ITERATIONS = 1 << 12;
    /**
     * Loops per thread per timed call: about 1 ms compiled, so that handing the work to the other
     * threads and waiting for them (tens of microseconds on a VM) is not what a call measures.
     */
    static final int REPEATS = 64;
    /** Single-threaded untimed calls before the timing starts: long enough for C2 to compile the loop. */
    static final Duration COMPILE = Duration.ofSeconds(1);
    static final int CHAINS = 2;

    private final DType dtype;
    private final int threads;
    private final ExecutorService workers;
    /** Where the sums go, so the work is observable. */
    private volatile double sink;

    ExpThroughput(DType dtype, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.dtype = dtype;
        this.threads = threads;
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "bench-exp-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Lanes of the species the kernels use for {@code dtype}. */
    static int lanes(DType dtype) {
        return dtype == DType.FLOAT32 ? VectorExp.floatSpecies().length() : VectorExp.doubleSpecies().length();
    }

    /** Exps per call, all threads together. */
    long elementsPerCall() {
        return (long) ITERATIONS * CHAINS * lanes(dtype) * threads * REPEATS;
    }

    static ComputeRoof measure(DType dtype, int threads, Timing timing) {
        try (ExpThroughput probe = new ExpThroughput(dtype, threads)) {
            // Short calls on this thread until C2 has compiled the loop: a long call of the interpreted
            // loop (100x slower) would take seconds, and worker threads run whatever is compiled.
            long start = System.nanoTime();
            double sum = 0;
            while (System.nanoTime() - start < COMPILE.toNanos()) {
                sum += probe.chains();
            }
            probe.sink = sum;
            Samples samples = TimingLoop.measure(probe::callOnce, timing);
            return ComputeRoof.of(SweepPlan.dtypeName(dtype), threads, lanes(dtype), probe.elementsPerCall(), samples);
        }
    }

    private OptionalDouble callOnce() {
        List<Future<Double>> pending = new ArrayList<>(threads - 1);
        for (int t = 1; t < threads; t++) {
            pending.add(workers.submit(this::repeated));
        }
        double sum = repeated();
        try {
            for (Future<Double> f : pending) {
                sum += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("exp probe interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("exp probe worker failed: " + e.getCause(), e.getCause());
        }
        sink = sum;
        return OptionalDouble.empty();
    }

    private double chains() {
        return dtype == DType.FLOAT32 ? floatChains() : doubleChains();
    }

    private double repeated() {
        double sum = 0;
        for (int r = 0; r < REPEATS; r++) {
            sum += chains();
        }
        return sum;
    }

    private static double floatChains() {
        var s = VectorExp.floatSpecies();
        FloatVector iota = FloatVector.zero(s).addIndex(1).mul(-0.01f);
        FloatVector x0 = iota.sub(0.5f);
        FloatVector x1 = iota.sub(4.5f);
        FloatVector a0 = FloatVector.zero(s);
        FloatVector a1 = a0;
        float k = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            a0 = a0.add(VectorExp.expNonPositive(x0.add(k)));
            a1 = a1.add(VectorExp.expNonPositive(x1.add(k)));
            k -= 1e-6f;
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    private static double doubleChains() {
        var s = VectorExp.doubleSpecies();
        DoubleVector iota = DoubleVector.zero(s).addIndex(1).mul(-0.01);
        DoubleVector x0 = iota.sub(0.5);
        DoubleVector x1 = iota.sub(4.5);
        DoubleVector a0 = DoubleVector.zero(s);
        DoubleVector a1 = a0;
        double k = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            a0 = a0.add(VectorExp.expNonPositive(x0.add(k)));
            a1 = a1.add(VectorExp.expNonPositive(x1.add(k)));
            k -= 1e-6;
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
