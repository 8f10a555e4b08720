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
        for (Op selection : new Op[] {Op.TOP_K, Op.SAMPLE}) {
            e = assertThrows(IllegalArgumentException.class, () -> new SweepPlan(List.of(Op.SOFTMAX, selection),
                    List.of(DType.FLOAT32), List.of(8L), List.of(), 1, 1, 1, t, true));
            assertTrue(e.getMessage().startsWith("ops") && e.getMessage().contains("top-k or sample"), e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> new Timing(Duration.ofMillis(2), Duration.ofMillis(1),
                Duration.ZERO, 1, 1, Duration.ZERO, Duration.ZERO));
        assertTrue(e.getMessage().startsWith("maxWarmup"), e.getMessage());
        assertEquals(DType.FLOAT64, SweepPlan.parseDtype(" FP64 "));
        e = assertThrows(IllegalArgumentException.class, () -> SweepPlan.parseDtype("float16"));
        assertTrue(e.getMessage().contains("float16"), e.getMessage());
    }
}
