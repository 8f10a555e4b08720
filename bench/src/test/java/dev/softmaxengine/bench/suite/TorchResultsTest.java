package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merging the torch script's JSON: its results, its device ceiling, and the ratio column. */
class TorchResultsTest {
    private static final Machine MACHINE = new Machine("test CPU", null, List.of(), null, List.of(), null, null,
            null, 2, 1L << 30, null, "os", null, "jvm", List.of());

    private static SuiteReport report() {
        Samples t = new Samples(Samples.DEVICE_EVENTS, 5, 1, 1.0, 2.0, 3.0);
        Samples h = new Samples(Samples.HOST_CLOCK, 5, 1, 10.0, 20.0, 30.0);
        Ceiling cpu = Ceiling.of(Ceiling.cpuId(1), "CPU copy, 1 thread", "cpu", 1, 400_000_000, h, "suite");
        long bytes = 2L * 1024 * 1024 * 4;
        List<CaseResult> results = List.of(
                CaseResult.of("suite", "cuda", "cuda", "GPU", 0, CaseResult.DEVICE, SweepPlan.LARGE, 1024, 1024,
                        "softmax", "float32", t, bytes, null, null),
                CaseResult.of("suite", "simd x1", "simd", "CPU", 1, CaseResult.HOST, SweepPlan.LARGE, 1024, 1024,
                        "softmax", "float32", h, bytes, cpu, null));
        return new SuiteReport(SuiteReport.SCHEMA, "now", MACHINE, null, SuiteReport.Plan.of(SweepPlan.quickSweep()),
                List.of(cpu), List.of(), results, List.of(), List.of(), List.of());
    }

    @Test
    void torchResultsAndItsDeviceCopyJoinTheReport(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("torch.json");
        Files.writeString(json, """
                {"schema": "softmax-engine-torch/1", "torch": "2.9.0", "device": "NVIDIA H200",
                 "ceiling": {"bytes": 2000000000, "count": 5, "minMs": 0.5, "medianMs": 0.6, "maxMs": 0.7},
                 "results": [{"op": "softmax", "dtype": "float32", "batch": "large", "rows": 1024, "cols": 1024,
                              "count": 9, "minMs": 0.5, "medianMs": 1.0, "maxMs": 1.5}]}
                """);
        SuiteReport merged = TorchResults.merge(report(), json);

        Ceiling device = merged.ceiling(TorchResults.CEILING_ID);
        assertEquals(4000.0, device.gbps(), 1e-9);
        CaseResult torch = merged.results().stream().filter(r -> r.label().equals(TorchResults.LABEL)).findFirst()
                .orElseThrow();
        assertEquals(2L * 1024 * 1024 * 4 / 1e6, torch.gbps(), 1e-9);
        assertEquals(torch.gbps() / 4000.0, torch.fractionOfCeiling(), 1e-12);
        assertEquals(Samples.DEVICE_EVENTS, torch.timing().clock());

        CaseResult cuda = merged.results().stream().filter(r -> r.label().equals("cuda")).findFirst().orElseThrow();
        assertEquals(TorchResults.CEILING_ID, cuda.ceiling(), "cuda runs on the GPU whose copy torch measured");
        CaseResult simd = merged.results().stream().filter(r -> r.label().equals("simd x1")).findFirst().orElseThrow();
        assertEquals(Ceiling.cpuId(1), simd.ceiling());

        String text = ComparisonTable.text(ComparisonTable.of(merged));
        assertTrue(text.contains("cuda / torch"), text);
        // cuda's median is 2 ms, torch's 1 ms (best 1 and 0.5): cuda runs at half torch's rate.
        assertTrue(text.lines().anyMatch(l -> l.startsWith("softmax") && l.endsWith("0.50x (0.50x)")), text);
    }

    @Test
    void aMergeWithoutACeilingLeavesDeviceResultsUnbound(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("torch.json");
        Files.writeString(json, """
                {"schema": "softmax-engine-torch/1", "torch": "2.9.0", "device": "GPU", "ceiling": null,
                 "results": [{"op": "log-softmax", "dtype": "float64", "batch": "small", "rows": 1, "cols": 32,
                              "count": 3, "minMs": 0.01, "medianMs": 0.01, "maxMs": 0.02}]}
                """);
        SuiteReport merged = TorchResults.merge(report(), json);
        assertNull(merged.results().stream().filter(r -> r.label().equals("cuda")).findFirst().orElseThrow().ceiling());
        assertEquals(3, merged.results().size());
    }

    /** A report of simd x1 on 8x32768: top-k at 0.125 ms, sample at 1.2 ms, with the 1-thread CPU roofs. */
    private static SuiteReport cpuReport() {
        Samples h = new Samples(Samples.HOST_CLOCK, 5, 1, 10.0, 20.0, 30.0);
        Ceiling cpu = Ceiling.of(Ceiling.cpuId(1), "CPU copy, 1 thread", "cpu", 1, 400_000_000, h, "suite");
        ComputeRoof exp = ComputeRoof.of("float32", 1, 16, 8_000_000, new Samples(Samples.HOST_CLOCK, 5, 1, 1.0, 1.0,
                1.0));
        BenchShape shape = new BenchShape(8, 32768);
        SweepPlan plan = SweepPlan.quickSweep().withOps(List.of(Op.TOP_K, Op.SAMPLE)).withShapes(List.of(shape));
        List<CaseResult> results = List.of(
                CaseResult.of("suite", "simd x1", "simd", "CPU", 1, CaseResult.HOST, SweepPlan.CUSTOM, 8, 32768,
                        "top-k", "float32", new Samples(Samples.HOST_CLOCK, 5, 1, 0.1, 0.125, 0.2),
                        Traffic.bytes(Op.TOP_K, DType.FLOAT32, shape, 50), cpu, null),
                CaseResult.of("suite", "simd x1", "simd", "CPU", 1, CaseResult.HOST, SweepPlan.CUSTOM, 8, 32768,
                        "sample", "float32", new Samples(Samples.HOST_CLOCK, 5, 1, 1.0, 1.2, 1.5),
                        Traffic.bytes(Op.SAMPLE, DType.FLOAT32, shape), cpu, exp));
        return new SuiteReport(SuiteReport.SCHEMA, "now", MACHINE, null, SuiteReport.Plan.of(plan), List.of(cpu),
                List.of(exp), results, List.of(), List.of(), List.of());
    }

    @Test
    void torchOnTheCpuJoinsByThreadCountAgainstTheRunsRoofs() throws Exception {
        Path fixture = Path.of(TorchResultsTest.class.getResource("torch-cpu.json").toURI());
        SuiteReport merged = TorchResults.merge(cpuReport(), fixture);
        List<CaseResult> torch = merged.results().stream().filter(r -> r.source().equals(TorchResults.LABEL)).toList();
        assertEquals(3, torch.size());
        for (CaseResult r : torch) {
            assertEquals("torch x1", r.label());
            assertEquals(CaseResult.HOST, r.memory());
            assertEquals(Ceiling.cpuId(1), r.ceiling(), "bound by this run's 1-thread copy");
            assertEquals(Samples.HOST_CLOCK, r.timing().clock());
        }
        CaseResult topK = torch.stream().filter(r -> r.op().equals("top-k")).findFirst().orElseThrow();
        assertEquals(Traffic.bytes(Op.TOP_K, DType.FLOAT32, new BenchShape(8, 32768), 50), topK.bytes());
        assertNull(topK.computeRoof(), "top-k has no exp");
        CaseResult bf16 = torch.stream().filter(r -> r.dtype().equals("bfloat16")).findFirst().orElseThrow();
        // 8 x 32768 bf16 in and out is 1,048,576 bytes, in 0.262144 ms: 4 GB/s; its roof is float32's exp.
        assertEquals(4.0, bf16.gbps(), 1e-9);
        assertEquals(ComputeRoof.id("float32", 1), bf16.computeRoof());
        assertEquals(2, bf16.timing().callsPerSample());
        assertTrue(merged.notes().stream().anyMatch(n -> n.contains("not interleaved")), merged.notes().toString());

        String text = ComparisonTable.text(ComparisonTable.of(merged));
        // simd's top-k takes 0.125 ms to torch's 0.25 (best 0.1 to 0.2); its sample 1.2 ms to 24 (1.0 to 23.8).
        assertTrue(text.contains("simd x1 / torch x1"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("top-k") && l.endsWith("2.00x (2.00x)")), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("sample") && l.endsWith("20.00x (23.80x)")), text);
    }

    @Test
    void aCpuResultWithoutThreadsIsRejected(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("torch.json");
        Files.writeString(json, """
                {"schema": "softmax-engine-torch/2", "torch": "1.13", "device": "CPU", "memory": "host",
                 "results": [{"op": "softmax", "dtype": "float32", "batch": "custom", "rows": 8, "cols": 32768,
                              "count": 3, "minMs": 0.1, "medianMs": 0.1, "maxMs": 0.1}]}
                """);
        var e = assertThrows(IllegalArgumentException.class, () -> TorchResults.merge(cpuReport(), json));
        assertTrue(e.getMessage().contains("threads >= 1"), e.getMessage());
    }

    @Test
    void otherJsonIsRejectedWithTheFileName(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("other.json");
        Files.writeString(json, "{\"schema\": \"something-else\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> TorchResults.merge(report(), json));
        assertTrue(e.getMessage().contains("other.json") && e.getMessage().contains(TorchResults.SCHEMA), e.getMessage());
    }
}
