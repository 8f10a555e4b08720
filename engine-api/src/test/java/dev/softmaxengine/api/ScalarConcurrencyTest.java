package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The oracle shared by 16 threads: every result bit-identical to the same call made alone (it keeps no state). */
class ScalarConcurrencyTest {
    private static final int THREADS = 16;

    private record Call(int op, int rows, int cols, double[] x) {
    }

    private static double[] run(SoftmaxKernel k, Call c) {
        boolean reduce = c.op() == 2;
        double[] y = new double[reduce ? c.rows() : c.rows() * c.cols()];
        Tensor in = Tensor.of(c.x(), c.rows(), c.cols());
        Tensor out = reduce ? Tensor.of(y, c.rows()) : Tensor.of(y, c.rows(), c.cols());
        switch (c.op()) {
            case 0 -> k.softmax(in, out, -1, 0.7);
            case 1 -> k.logSoftmax(in, out, 0);
            case 2 -> k.logSumExp(in, out, -1, false);
            case 3 -> k.sigmoid(in, out);
            default -> k.hardmax(in, out, -1);
        }
        return y;
    }

    @Test
    void sixteenThreadsGetBitIdenticalResults() throws Exception {
        // engine-api sits below testkit's TestSeed, so the same property is read here.
        String property = System.getProperty("tests.seed");
        long seed = property != null && !property.isBlank() ? Long.parseLong(property.strip()) : new SplittableRandom().nextLong();
        System.out.println("tests.seed=" + seed + " (rerun with -Dtests.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        List<List<Call>> plan = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                int rows = 1 + random.nextInt(20);
                int cols = 1 + random.nextInt(200);
                double[] x = random.doubles((long) rows * cols, -50, 50).toArray();
                calls.add(new Call(random.nextInt(5), rows, cols, x));
            }
            plan.add(calls);
        }
        SoftmaxKernel k = new ScalarSoftmaxKernel();
        List<List<double[]>> alone = new ArrayList<>();
        for (List<Call> calls : plan) {
            alone.add(calls.stream().map(c -> run(k, c)).toList());
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<List<double[]>>> together = new ArrayList<>();
            for (List<Call> calls : plan) {
                together.add(pool.submit(() -> calls.stream().map(c -> run(k, c)).toList()));
            }
            for (int t = 0; t < THREADS; t++) {
                List<double[]> got = together.get(t).get();
                for (int i = 0; i < got.size(); i++) {
                    assertArrayEquals(alone.get(t).get(i), got.get(i), "seed " + seed + ", thread " + t + ", call " + i);
                }
            }
        }
    }
}
