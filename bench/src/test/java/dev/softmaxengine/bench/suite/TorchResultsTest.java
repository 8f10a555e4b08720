package dev.softmaxengine.bench.suite;

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

    @Test
    void otherJsonIsRejectedWithTheFileName(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("other.json");
        Files.writeString(json, "{\"schema\": \"something-else\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> TorchResults.merge(report(), json));
        assertTrue(e.getMessage().contains("other.json") && e.getMessage().contains(TorchResults.SCHEMA), e.getMessage());
    }
}
