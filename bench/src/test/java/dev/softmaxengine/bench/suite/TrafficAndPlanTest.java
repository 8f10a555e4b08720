package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The byte counts behind every GB/s figure, and the shapes of the sweep. */
class TrafficAndPlanTest {

    @Test
    void softmaxMovesWhatTheJmhBenchmarksCount() {
        BenchShape s = new BenchShape(4096, 1024);
        assertEquals(s.bytesPerCall(), Traffic.bytes(Op.SOFTMAX, DType.FLOAT32, s));
        assertEquals(2L * 4096 * 1024 * Double.BYTES, Traffic.bytes(Op.LOG_SOFTMAX, DType.FLOAT64, s));
    }

    @Test
    void logsumexpWritesOneValuePerRow() {
        BenchShape s = new BenchShape(3, 5);
        assertEquals((15 + 3) * Float.BYTES, Traffic.bytes(Op.LOGSUMEXP, DType.FLOAT32, s));
        assertEquals(2 * 15 * Double.BYTES, Traffic.bytes(Op.SIGMOID, DType.FLOAT64, s));
        assertThrows(IllegalArgumentException.class, () -> Traffic.bytes(Op.ARGMAX, DType.FLOAT32, s));
    }

    @Test
    void topKWritesKValuesAndIndicesAndSampleOneIndexPerRow() {
        BenchShape s = new BenchShape(8, 32768);
        assertEquals(8L * 32768 * 4 + 8L * 50 * (4 + 4), Traffic.bytes(Op.TOP_K, DType.FLOAT32, s, 50));
        assertEquals(8L * 32768 * 8 + 8L * 50 * (8 + 4), Traffic.bytes(Op.TOP_K, DType.FLOAT64, s, 50));
        assertEquals(8L * 32768 * 4 + 8L * 4, Traffic.bytes(Op.SAMPLE, DType.FLOAT32, s));
        assertEquals(2L * 8 * 32768 * 2, Traffic.bytes(Op.SOFTMAX, DType.BFLOAT16, s));
        assertThrows(IllegalArgumentException.class, () -> Traffic.bytes(Op.TOP_K, DType.FLOAT32, s));
        assertThrows(IllegalArgumentException.class, () -> Traffic.bytes(Op.TOP_K, DType.FLOAT32, s, 32769));
    }

    @Test
    void topKAndSampleSweepTheLogitsGridForEveryOpOfThePlan() {
        SweepPlan quick = SweepPlan.quickSweep().withOps(List.of(Op.SOFTMAX, Op.TOP_K));
        List<BenchShape> shapes = quick.cases(DType.FLOAT32).stream().map(SweepPlan.Case::shape).toList();
        assertEquals(List.of(new BenchShape(8, 32768), new BenchShape(512, 32768), new BenchShape(8, 131072),
                new BenchShape(512, 131072), new BenchShape(8, 262144), new BenchShape(512, 262144)), shapes);
        assertTrue(quick.cases(DType.FLOAT32).stream().allMatch(c -> c.batch().equals(SweepPlan.CUSTOM)));
        assertEquals(9, SweepPlan.fullSweep().withOps(List.of(Op.SAMPLE)).cases(DType.FLOAT64).size());
        // --shapes still wins, and the plan keeps the parameters it was given.
        SelectionParams p = new SelectionParams(7, 0.8, 20, 0.9, 0.05, 3);
        SweepPlan given = quick.withShapes(List.of(new BenchShape(2, 64))).withSelection(p);
        assertEquals(List.of(new BenchShape(2, 64)), given.cases(DType.FLOAT32).stream().map(SweepPlan.Case::shape)
                .toList());
        assertEquals(p, given.fitTo(100 * SweepPlan.MIB).selection());
        assertEquals(SelectionParams.DEFAULT, SweepPlan.quickSweep().selection());
    }

    @Test
    void gigabytesPerSecondIsBytesOverNanoseconds() {
        assertEquals(8.0, Traffic.gigabytesPerSecond(8_000_000, 1.0), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Traffic.gigabytesPerSecond(1, 0));
    }

    @Test
    void largeBatchesHoldAtLeastBatchBytesAndNoWholeRowMore() {
        SweepPlan plan = SweepPlan.fullSweep();
        for (DType dtype : DType.values()) {
            for (SweepPlan.Case c : plan.cases(dtype)) {
                long bytes = c.shape().elements() * dtype.byteSize();
                if (c.batch().equals(SweepPlan.LARGE)) {
                    assertTrue(bytes >= plan.batchBytes(), c + " holds " + bytes);
                    assertTrue(c.shape().rows() == 1 || bytes - c.shape().cols() * dtype.byteSize() < plan.batchBytes(),
                            c + " holds a row more than needed");
                } else {
                    assertEquals(plan.smallRows(), c.shape().rows());
                }
            }
        }
        assertEquals(List.of(32L, 128L, 512L, 2048L, 8192L, 32768L, 131072L, 524288L, 1048576L), plan.largeCols());
        assertEquals(plan.largeCols().size() + plan.smallCols().size(), plan.cases(DType.FLOAT32).size());
    }

    @Test
    void fitToShrinksOnlyWhatDoesNotFit() {
        SweepPlan plan = SweepPlan.quickSweep();
        assertSame(plan, plan.fitTo(64L << 30));
        SweepPlan small = plan.fitTo(100 * SweepPlan.MIB);
        assertEquals(20 * SweepPlan.MIB, small.batchBytes());
        assertEquals(50 * SweepPlan.MIB, small.copyBytes());
        assertThrows(IllegalArgumentException.class, () -> plan.fitTo(SweepPlan.MIB));
    }

    @Test
    void badPlansNameTheArgument() {
        Timing t = Timing.QUICK;
        var e = assertThrows(IllegalArgumentException.class, () -> new SweepPlan(List.of(Op.SOFTMAX),
                List.of(DType.FLOAT32), List.of(0L), List.of(), 1, 1, 1, t, true));
        assertTrue(e.getMessage().startsWith("largeCols"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SweepPlan(List.of(Op.ARGMAX),
                List.of(DType.FLOAT32), List.of(8L), List.of(), 1, 1, 1, t, true));
        assertTrue(e.getMessage().startsWith("ops"), e.getMessage());
        // 16-bit top-k and sample are planned like every other op.
        new SweepPlan(List.of(Op.TOP_K, Op.SAMPLE), List.of(DType.BFLOAT16, DType.FLOAT16), List.of(64L), List.of(), 1, 1, 1,
                t, true);
        SweepPlan narrow = SweepPlan.quickSweep().withOps(List.of(Op.TOP_K));
        e = assertThrows(IllegalArgumentException.class, () -> narrow.withShapes(List.of(new BenchShape(4, 49))));
        assertTrue(e.getMessage().startsWith("k must be at most") && e.getMessage().contains("4x49"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SelectionParams(50, 1, 0, 1.5, 0, 0));
        assertTrue(e.getMessage().contains("topP"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SelectionParams(0, 1, 0, 1, 0, 0));
        assertTrue(e.getMessage().startsWith("k must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Timing(Duration.ofMillis(2), Duration.ofMillis(1),
                Duration.ZERO, 1, 1, Duration.ZERO, Duration.ZERO));
        assertTrue(e.getMessage().startsWith("maxWarmup"), e.getMessage());
        assertEquals(DType.FLOAT64, SweepPlan.parseDtype(" FP64 "));
        assertEquals(DType.BFLOAT16, SweepPlan.parseDtype("bf16"));
        assertEquals(DType.FLOAT16, SweepPlan.parseDtype("float16"));
        e = assertThrows(IllegalArgumentException.class, () -> SweepPlan.parseDtype("int8"));
        assertTrue(e.getMessage().contains("int8"), e.getMessage());
    }
}
