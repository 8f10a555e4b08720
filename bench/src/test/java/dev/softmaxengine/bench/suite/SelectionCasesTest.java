package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real run of top-k, sample and softmax in float32 and bfloat16: every contender's row 0 passes the oracle's check
 * (a wrong top-k or draw would be a failure), and the results carry the traffic of their op.
 */
class SelectionCasesTest {
    @Test
    void topKSampleAndSoftmaxInBothDtypesRunOnEveryContenderThatHasThem() {
        Timing brief = new Timing(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(2), 3, 20,
                Duration.ofNanos(50_000), Duration.ofSeconds(1));
        BenchShape shape = new BenchShape(3, 300);
        SelectionParams selection = new SelectionParams(7, 0.8, 0, 0.9, 0.02, 11);
        SweepPlan plan = new SweepPlan(List.of(Op.SOFTMAX, Op.TOP_K, Op.SAMPLE), List.of(DType.FLOAT32, DType.BFLOAT16),
                List.of(64L), List.of(), 1, 64 << 10, 64 << 10, brief, true).withThreads(List.of(1, 2))
                .withShapes(List.of(shape)).withSelection(selection);
        SuiteReport report = new HardwareSuite(plan, Progress.NONE, "--test").run(List.of("simd", "onnxruntime"));

        assertEquals(List.of(), report.failures());
        Set<String> measured = report.results().stream().map(r -> r.label() + " " + r.op() + " " + r.dtype())
                .collect(Collectors.toSet());
        for (String label : List.of("simd x1", "simd x2", "onnxruntime x1", "onnxruntime x2")) {
            assertTrue(measured.contains(label + " top-k float32"), measured.toString());
            assertTrue(measured.contains(label + " softmax float32"), measured.toString());
        }
        assertTrue(measured.contains("simd x2 sample float32"), measured.toString());
        for (String op : List.of("softmax", "top-k", "sample")) {
            assertTrue(measured.contains("simd x1 " + op + " bfloat16"), measured.toString());
            assertTrue(measured.contains("simd x2 " + op + " bfloat16"), measured.toString());
        }
        // ONNX Runtime has no sampler and no 16-bit contender here.
        assertTrue(measured.stream().noneMatch(m -> m.startsWith("onnxruntime") && m.contains("sample")), measured.toString());
        assertTrue(measured.stream().noneMatch(m -> m.startsWith("onnxruntime") && m.contains("bfloat16")), measured.toString());

        CaseResult topK = report.results().stream().filter(r -> r.op().equals("top-k")).findFirst().orElseThrow();
        assertEquals(Traffic.bytes(Op.TOP_K, DType.FLOAT32, shape, 7), topK.bytes());
        assertNull(topK.computeRoof(), "top-k computes no exp");
        CaseResult bf16 = report.results().stream().filter(r -> r.dtype().equals("bfloat16") && r.op().equals("softmax"))
                .findFirst().orElseThrow();
        assertEquals(2L * 900 * 2, bf16.bytes());
        assertEquals(ComputeRoof.id("float32", bf16.threads()), bf16.computeRoof(), "16-bit computes in float32");
        assertEquals(selection, report.plan().selection());
    }
}
