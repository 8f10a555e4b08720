package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.BackendAssumptions;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One kernel shared by 16 threads doing different ops and shapes, on arrays and on segments of a
 * shared arena: every result bit-identical to the same call made alone (calls serialize on the
 * kernel's lock and run the same strategy). And close() racing calls: each call completes or is
 * an IllegalStateException, never a native crash.
 */
class OpenClConcurrencyTest {
    private static final int THREADS = 16;
    private static final int CALLS_PER_THREAD = 40;

    @BeforeAll
    static void requireOpenCl() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
    }

    private record Call(int op, long rows, long cols, float[] x) {
    }

    private static Call call(SplittableRandom random) {
        long rows = 1 + random.nextInt(40);
        long cols = 1 + random.nextInt(random.nextBoolean() ? 30 : 3000);
        float[] x = new float[(int) (rows * cols)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 5);
        }
        return new Call(random.nextInt(4), rows, cols, x);
    }

    /** Runs {@code c}, through a shared-arena segment for odd ops so both host paths are raced. */
    private static float[] run(OpenClSoftmaxKernel k, Call c) {
        long outCols = c.op() == 2 ? 1 : c.cols();
        float[] y = new float[(int) (c.rows() * outCols)];
        Tensor in = Tensor.of(c.x(), c.rows(), c.cols());
        Tensor out = c.op() == 2 ? Tensor.of(y, c.rows(), 1) : Tensor.of(y, c.rows(), c.cols());
        try (Arena arena = Arena.ofShared()) {
            if (c.op() % 2 == 1) {
                MemorySegment s = arena.allocate((long) y.length * Float.BYTES);
                out = c.op() == 2 ? Tensor.of(s, DType.FLOAT32, c.rows(), 1) : Tensor.of(s, DType.FLOAT32, c.rows(), c.cols());
            }
            switch (c.op()) {
                case 0 -> k.softmax(in, out, -1);
                case 1 -> k.logSoftmax(in, out, -1);
                case 2 -> k.logSumExp(in, out, -1, true);
                default -> k.sigmoid(in, out);
            }
            return out instanceof SegmentTensor s ? s.segment().toArray(ValueLayout.JAVA_FLOAT) : y;
        }
    }

    @Test
    void sixteenThreadsGetBitIdenticalResults() throws Exception {
        long seed = TestSeed.value();
        List<List<Call>> plan = new ArrayList<>();
        SplittableRandom random = TestSeed.random("opencl 16 threads");
        for (int t = 0; t < THREADS; t++) {
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < CALLS_PER_THREAD; i++) {
                calls.add(call(random));
            }
            plan.add(calls);
        }
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel(); ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<List<float[]>> alone = new ArrayList<>();
            for (List<Call> calls : plan) {
                alone.add(calls.stream().map(c -> run(k, c)).toList());
            }
            List<Future<List<float[]>>> together = new ArrayList<>();
            for (List<Call> calls : plan) {
                together.add(pool.submit(() -> calls.stream().map(c -> run(k, c)).toList()));
            }
            for (int t = 0; t < THREADS; t++) {
                List<float[]> got = together.get(t).get();
                for (int i = 0; i < CALLS_PER_THREAD; i++) {
                    assertArrayEquals(alone.get(t).get(i), got.get(i), "seed " + seed + ", thread " + t + ", call " + i);
                }
            }
        }
    }

    @Test
    void closeRacingCallsIsAnIllegalStateOrACompletedCall() throws Exception {
        SplittableRandom random = TestSeed.random("opencl close racing calls");
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(call(random));
        }
        for (int round = 0; round < 5; round++) {
            OpenClSoftmaxKernel k = new OpenClSoftmaxKernel();
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<Integer>> refused = new ArrayList<>();
                for (Call c : calls) {
                    refused.add(pool.submit(() -> {
                        int n = 0;
                        for (int i = 0; i < 50; i++) {
                            try {
                                run(k, c);
                            } catch (IllegalStateException e) {
                                assertTrue(e.getMessage().equals("opencl kernel is closed"), e.getMessage());
                                n++;
                            }
                        }
                        return n;
                    }));
                }
                Thread.sleep(5L * round);
                k.close();
                for (Future<Integer> f : refused) {
                    f.get(); // completed or refused; anything else rethrows here
                }
            }
        }
    }
}
