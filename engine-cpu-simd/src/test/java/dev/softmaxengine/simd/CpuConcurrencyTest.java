package dev.softmaxengine.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.testkit.TestSeed;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One kernel of each CPU backend, {@code scalar} and {@code simd} (three threads per call, so
 * rows of 32K+ float32 columns are split across them), shared by 16 threads doing every op on
 * float32 and float64, short and long rows, through arrays, native segments of shared arenas
 * (each call's arena closed by its thread while the others compute) and the kernel's own
 * buffers.
 *
 * <p>What is promised, and tested here exactly: every result is bit-identical to the one the same
 * kernel gave for the same call made alone before the threads started, whichever thread, batch
 * split (worker chunks, or the caller's thread alone when the workers are busy) or JIT tier
 * computed it. The last holds because the simd kernels sum vector lanes in one fixed order
 * ({@code VectorMath.sum}); with {@code reduceLanes(ADD)}, whose order the Java fallback
 * (interpreter, C1, frames deoptimized when another thread closes a shared arena) and C2 choose
 * differently, 7 of 7,680 segment results differed by up to 2 ulp. The scalar kernel is plain
 * Java arithmetic, the same in every tier. Results of different kernels ({@code simd} with
 * another thread count splits long rows differently) agree within the tolerance, not bitwise.
 */
class CpuConcurrencyTest {
    private static final int THREADS = 16;
    private static final int CALLS_PER_THREAD = 30;
    /** Every op but top-k, whose two outputs SelectionParityTest checks on 1, 2 and 3 threads. */
    private static final Op[] OPS = java.util.EnumSet.complementOf(java.util.EnumSet.of(Op.TOP_K)).toArray(Op[]::new);

    /** How a call's operands are held. */
    private enum Storage { ARRAY, SEGMENT, BUFFER }

    private record Call(Op op, DType dtype, Storage storage, long rows, long cols, double temperature, long seed) {
        long outElements() {
            return op.isReducing() ? rows : rows * cols;
        }

        long[] outShape() {
            return op.isReducing() ? new long[] {rows} : new long[] {rows, cols};
        }

        DType outType() {
            return op == Op.ARGMAX || op == Op.SAMPLE ? DType.INT32 : dtype;
        }
    }

    private static Call call(SplittableRandom random) {
        Op op = OPS[random.nextInt(OPS.length)];
        DType dtype = random.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64;
        Storage storage = Storage.values()[random.nextInt(3)];
        if ((op == Op.ARGMAX || op == Op.SAMPLE) && storage == Storage.BUFFER) {
            storage = Storage.SEGMENT; // a CPU buffer holds float32 / float64; argmax writes int32
        }
        int shape = random.nextInt(10);
        long rows;
        long cols;
        if (shape < 2) { // one or two rows of 32K+: simd splits them across its threads (float32)
            rows = 1 + random.nextInt(2);
            cols = (1 << 15) + random.nextInt(8000);
        } else if (shape < 6) { // many short rows: the workers take chunks of rows
            rows = 1 + random.nextInt(600);
            cols = 1 + random.nextInt(70);
        } else {
            rows = 1 + random.nextInt(20);
            cols = 70 + random.nextInt(3000);
        }
        return new Call(op, dtype, storage, rows, cols, random.nextBoolean() ? 1.0 : 0.25 + random.nextDouble(3),
                random.nextLong());
    }

    /** The input, from the call's seed: Gaussian logits with a few ties, infinities and NaNs. */
    private static MemorySegment input(Call c) {
        SplittableRandom random = new SplittableRandom(c.seed());
        int n = (int) (c.rows() * c.cols());
        MemorySegment x = c.dtype() == DType.FLOAT32 ? MemorySegment.ofArray(new float[n]) : MemorySegment.ofArray(new double[n]);
        for (int i = 0; i < n; i++) {
            double v = random.nextGaussian() * 8;
            int special = random.nextInt(2000);
            v = special == 0 ? Double.NaN : special == 1 ? Double.NEGATIVE_INFINITY : special < 40 ? 3.0 : v;
            if (c.dtype() == DType.FLOAT32) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            } else {
                x.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            }
        }
        return x;
    }

    /** Runs {@code c} on {@code k}; the output's bytes. */
    private static byte[] run(KernelBackend k, Call c) {
        MemorySegment x = input(c);
        long outBytes = c.outElements() * c.outType().byteSize();
        long[] in = {c.rows(), c.cols()};
        return switch (c.storage()) {
            case ARRAY -> {
                Tensor t = c.dtype() == DType.FLOAT32 ? Tensor.of(x.toArray(ValueLayout.JAVA_FLOAT), in)
                        : Tensor.of(x.toArray(ValueLayout.JAVA_DOUBLE), in);
                Tensor out = switch (c.outType()) {
                    case FLOAT32 -> Tensor.of(new float[(int) c.outElements()], c.outShape());
                    case FLOAT64 -> Tensor.of(new double[(int) c.outElements()], c.outShape());
                    case INT32 -> Tensor.of(new int[(int) c.outElements()], c.outShape());
                    case BFLOAT16, FLOAT16 -> Tensor.of(new short[(int) c.outElements()], c.outType(), c.outShape());
                };
                execute(k, c, t, out);
                yield out.asHostSegment().toArray(ValueLayout.JAVA_BYTE);
            }
            case SEGMENT -> {
                // Closing a shared arena makes every thread stop at a safepoint and deoptimizes the
                // frames that are inside a memory access: the others' calls resume interpreted.
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment s = arena.allocate(x.byteSize(), 64).copyFrom(x);
                    MemorySegment o = arena.allocate(Math.max(1, outBytes), 64).asSlice(0, outBytes);
                    execute(k, c, Tensor.of(s, c.dtype(), in), Tensor.of(o, c.outType(), c.outShape()));
                    yield o.toArray(ValueLayout.JAVA_BYTE);
                }
            }
            case BUFFER -> {
                try (DeviceBuffer b = k.allocate(c.dtype(), c.rows() * c.cols());
                        DeviceBuffer o = k.allocate(c.dtype(), c.outElements())) {
                    b.write(Tensor.of(x, c.dtype(), in));
                    execute(k, c, Tensor.of(b, in), Tensor.of(o, c.outShape()));
                    int n = (int) c.outElements();
                    Tensor host = c.dtype() == DType.FLOAT32 ? Tensor.of(new float[n], c.outShape())
                            : Tensor.of(new double[n], c.outShape());
                    o.read(host);
                    yield host.asHostSegment().toArray(ValueLayout.JAVA_BYTE);
                }
            }
        };
    }

    private static void execute(KernelBackend k, Call c, Tensor in, Tensor out) {
        if (c.op() == Op.SAMPLE) {
            // With top-p: the bisection path; the seed's parity picks top-k (the heap path) or none.
            k.execute(OpRequest.sample(in, out, null, new dev.softmaxengine.api.Sampling(c.temperature(),
                    (c.seed() & 1) == 0 ? 0 : (int) Math.min(c.cols(), 8), 0.9, 0.01, c.seed())));
            return;
        }
        boolean tempered = c.op() == Op.SOFTMAX || c.op() == Op.LOG_SOFTMAX;
        k.execute(OpRequest.of(c.op(), in, out, -1, tempered ? c.temperature() : 1.0, false));
    }

    private static void sharedBySixteenThreads(KernelBackend k, String label) throws Exception {
        long seed = TestSeed.value();
        SplittableRandom random = TestSeed.random("cpu 16 threads " + label);
        List<List<Call>> plan = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                calls.add(call(random));
            }
            plan.add(calls);
        }
        // Alone, before any other thread uses the kernel: the first calls of each kernel run cold.
        List<List<byte[]>> alone = new ArrayList<>();
        for (List<Call> calls : plan) {
            alone.add(calls.stream().map(c -> run(k, c)).toList());
        }
        AtomicInteger checked = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    // Twice over, so that later rounds also meet code compiled meanwhile.
                    for (int round = 0; round < 2; round++) {
                        List<Call> calls = plan.get(thread);
                        for (int i = 0; i < calls.size(); i++) {
                            assertArrayEquals(alone.get(thread).get(i), run(k, calls.get(i)), label + ", seed " + seed
                                    + ", thread " + thread + ", call " + i + " " + calls.get(i));
                            checked.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertEquals(2 * THREADS * CALLS_PER_THREAD, checked.get());
    }

    @Test
    void simdSharedBySixteenThreadsIsBitIdenticalToAlone() throws Exception {
        try (VectorSoftmaxKernel k = new VectorSoftmaxKernel(3)) {
            sharedBySixteenThreads(k, "simd");
        }
    }

    @Test
    void scalarSharedBySixteenThreadsIsBitIdenticalToAlone() throws Exception {
        try (SoftmaxKernel k = Backends.create("scalar")) {
            sharedBySixteenThreads((KernelBackend) k, "scalar");
        }
    }

    /**
     * close() racing calls of every kind (split rows included, whose parts wait for each other):
     * each call completes with the result it gives alone or is an IllegalStateException saying the
     * kernel is closed; close() returns with the worker threads gone, and nothing hangs.
     */
    @Test
    void closeRacingCallsCompletesOrRefusesAndStopsTheWorkers() throws Exception {
        SplittableRandom random = TestSeed.random("simd close racing calls");
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Call c = call(random);
            // Half of them split rows: one float32 row of 32K+ columns, softmax or log-softmax.
            calls.add(i % 2 == 0 ? new Call(i % 4 == 0 ? Op.SOFTMAX : Op.LOG_SOFTMAX, DType.FLOAT32, Storage.ARRAY, 1,
                    (1 << 15) + i, 1.0, c.seed()) : c);
        }
        List<byte[]> alone;
        try (VectorSoftmaxKernel k = new VectorSoftmaxKernel(3)) {
            alone = calls.stream().map(c -> run(k, c)).toList();
        }
        int refusedInAll = 0;
        for (int round = 0; round < 20; round++) {
            long baseline = workerThreads();
            VectorSoftmaxKernel k = new VectorSoftmaxKernel(3);
            try (ExecutorService pool = Executors.newFixedThreadPool(calls.size())) {
                List<Future<Integer>> refused = new ArrayList<>();
                for (int i = 0; i < calls.size(); i++) {
                    Call c = calls.get(i);
                    byte[] expected = alone.get(i);
                    refused.add(pool.submit(() -> {
                        int n = 0;
                        for (int j = 0; j < 40; j++) {
                            try {
                                assertArrayEquals(expected, run(k, c));
                            } catch (IllegalStateException e) {
                                assertEquals("the simd kernel is closed", e.getMessage());
                                n++;
                            }
                        }
                        return n;
                    }));
                }
                Thread.sleep(2L * round);
                k.close();
                assertEquals(baseline, workerThreads(), "simd worker threads alive after close()");
                for (Future<Integer> f : refused) {
                    refusedInAll += f.get();
                }
            }
        }
        assertTrue(refusedInAll > 0, "no call came after close()");
    }

    static long workerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("softmax-simd-worker-") && t.isAlive()).count();
    }
}
