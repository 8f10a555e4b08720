package dev.softmaxengine.bench.suite;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.SoftmaxEngineException;
import dev.softmaxengine.bench.BenchShape;
import dev.softmaxengine.simd.VectorSoftmaxKernel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole report pipeline on a tiny sweep: the suite measures the scalar, SIMD, ONNX Runtime and
 * an off-host test kernel; results.json is parsed back field by field, the HTML and PNGs are checked
 * to be there and decodable. The ceiling's arrays are sized like the batches, so that both run from
 * the same cache level and every fraction must lie in (0, 1.2].
 */
class ReportPipelineTest {
    private static final Timing TINY = new Timing(Duration.ofMillis(1), Duration.ofMillis(20), Duration.ofMillis(5),
            3, 50, Duration.ofNanos(50_000), Duration.ofSeconds(2));
    private static final SweepPlan PLAN = new SweepPlan(List.of(Op.SOFTMAX, Op.LOGSUMEXP),
            List.of(DType.FLOAT32, DType.FLOAT64), List.of(32L, 256L), List.of(64L), 2, 64 << 10, 256 << 10, TINY,
            true);

    private static SuiteReport report;

    @BeforeAll
    static void measure() {
        List<Contender> contenders = new ArrayList<>(List.of(
                new KernelContender(new ScalarSoftmaxKernel(), 1, ScalarSoftmaxKernel.NAME),
                new KernelContender(new VectorSoftmaxKernel(1), 1, "simd x1"),
                new OnnxRuntimeContender(1),
                new KernelContender(new OffHostKernel(), 0, OffHostKernel.NAME)));
        try {
            report = new HardwareSuite(PLAN, Progress.NONE).run(contenders, List.of("a note from discovery"));
        } finally {
            contenders.forEach(Contender::close);
        }
    }

    @Test
    void everyCaseIsMeasuredAndNoneFailed() {
        assertEquals(List.of(), report.failures());
        // 2 dtypes x 3 shapes x 2 ops x 4 contenders: ONNX Runtime has Softmax and ReduceLogSumExp in both dtypes.
        assertEquals(2 * 3 * 2 * 4, report.results().size());
        // The off-host kernel's input and output copies, both ways, per dtype and shape.
        assertEquals(2 * 3 * 2, report.transfers().size());
        assertTrue(report.notes().contains("a note from discovery"));
        assertTrue(report.notes().stream().noneMatch(n -> n.contains("no device copy ceiling")), report.notes().toString());
    }

    @Test
    void resultsJsonHasTheSchemaFields(@TempDir Path dir) throws IOException {
        ReportFiles.write(report, dir);
        JsonObject root = JsonParser.parseString(Files.readString(dir.resolve(ReportFiles.RESULTS))).getAsJsonObject();
        assertEquals(SuiteReport.SCHEMA, root.get("schema").getAsString());
        JsonObject machine = root.getAsJsonObject("machine");
        assertFalse(machine.get("cpuModel").getAsString().isBlank());
        assertEquals(Runtime.getRuntime().availableProcessors(), machine.get("cores").getAsInt());
        assertTrue(machine.get("memoryBytes").getAsLong() > 0);
        assertTrue(machine.get("jvm").getAsString().contains(Runtime.version().feature() + ""));

        Set<String> ceilingIds = new HashSet<>();
        for (JsonElement e : root.getAsJsonArray("ceilings")) {
            JsonObject c = e.getAsJsonObject();
            ceilingIds.add(c.get("id").getAsString());
            assertEquals(2L * PLAN.copyBytes(), c.get("bytes").getAsLong());
            assertTrue(c.get("gbps").getAsDouble() > 0);
        }
        assertTrue(ceilingIds.contains(Ceiling.cpuId(1)), ceilingIds.toString());
        // The off-host kernel's own copy, device to device, through StagedKernel.copyTimed.
        assertTrue(ceilingIds.contains(Ceiling.deviceId(OffHostKernel.NAME)), ceilingIds.toString());

        JsonArray results = root.getAsJsonArray("results");
        assertEquals(report.results().size(), results.size());
        Set<String> labels = new HashSet<>();
        for (JsonElement e : results) {
            JsonObject r = e.getAsJsonObject();
            String label = r.get("label").getAsString();
            labels.add(label);
            for (String field : List.of("backend", "device", "batch", "op", "dtype", "memory")) {
                assertFalse(r.get(field).getAsString().isBlank(), field + " of " + r);
            }
            Op op = Op.parse(r.get("op").getAsString());
            DType dtype = SweepPlan.parseDtype(r.get("dtype").getAsString());
            long rows = r.get("rows").getAsLong();
            long cols = r.get("cols").getAsLong();
            long bytes = r.get("bytes").getAsLong();
            assertEquals(Traffic.bytes(op, dtype, new BenchShape(rows, cols)), bytes);

            JsonObject t = r.getAsJsonObject("timing");
            double min = t.get("minMs").getAsDouble();
            double median = t.get("medianMs").getAsDouble();
            double max = t.get("maxMs").getAsDouble();
            assertTrue(0 < min && min <= median && median <= max, t.toString());
            assertTrue(t.get("count").getAsInt() >= 1);
            assertEquals(label.equals(OffHostKernel.NAME) ? Samples.DEVICE_EVENTS : Samples.HOST_CLOCK,
                    t.get("clock").getAsString());
            assertEquals(bytes / (median * 1e6), r.get("gbps").getAsDouble(), 1e-9 * bytes / (median * 1e6));

            assertTrue(r.has("fractionOfCeiling") && r.has("ceiling"), r.toString());
            String ceiling = r.get("ceiling").getAsString();
            if (r.get("memory").getAsString().equals(CaseResult.DEVICE)) {
                assertEquals(Ceiling.deviceId(OffHostKernel.NAME), ceiling, "bound by the device's own copy: " + r);
            }
            assertTrue(ceilingIds.contains(ceiling), ceiling);
            double fraction = r.get("fractionOfCeiling").getAsDouble();
            assertTrue(fraction > 0 && fraction <= 1.2, label + " " + r.get("op") + " " + rows + "x" + cols
                    + ": fraction of the copy ceiling " + fraction);
        }
        assertEquals(Set.of("scalar", "simd x1", "onnxruntime x1", OffHostKernel.NAME), labels);
        assertEquals(12, root.getAsJsonArray("transfers").size());
    }

    @Test
    void htmlAndChartsAreWrittenAndReadable(@TempDir Path dir) throws IOException {
        List<Path> written = ReportFiles.write(report, dir);
        List<Path> pngs = written.stream().filter(p -> p.toString().endsWith(".png")).toList();
        // Per op and dtype: a GB/s chart of the large batches and a latency chart of the small ones.
        assertEquals(2 * 2 * 2, pngs.size(), pngs.toString());
        for (Path png : pngs) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " is not a PNG");
            assertTrue(image.getWidth() >= 600 && image.getHeight() >= 300, png.toString());
        }
        assertTrue(pngs.contains(dir.resolve("gbps-softmax-float32.png")), pngs.toString());
        String html = Files.readString(dir.resolve(ReportFiles.HTML));
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<style>") && !html.contains("<link"), "inline CSS, nothing fetched");
        assertEquals(pngs.size(), html.split("src=\"data:image/png;base64,", -1).length - 1);
        assertTrue(html.contains("<th>simd x1 / scalar</th>") && html.contains("<th>simd x1 / onnxruntime x1</th>"));
    }

    @Test
    void theMachineRoofsAndPercentilesAreRecorded() {
        // The off-host test kernel stands in for a GPU: the machine lists what its device() said.
        assertEquals(1, report.machine().gpus().size(), report.machine().gpus().toString());
        Machine.Gpu gpu = report.machine().gpus().getFirst();
        assertEquals(OffHostKernel.NAME, gpu.backend());
        assertEquals(new OffHostKernel().device(), gpu.description());
        assertFalse(report.machine().vectorSpecies().isBlank());
        assertEquals(SweepPlan.defaultThreads(), report.plan().threads());

        Set<String> roofIds = new HashSet<>();
        report.roofs().forEach(r -> roofIds.add(r.id()));
        for (int t : SweepPlan.defaultThreads()) {
            assertTrue(roofIds.contains(ComputeRoof.id("float32", t)) && roofIds.contains(ComputeRoof.id("float64", t)),
                    roofIds.toString());
        }
        for (CaseResult r : report.results()) {
            Samples t = r.timing();
            assertTrue(t.hasPercentiles(), r.toString());
            assertTrue(t.minMs() <= t.p25Ms() && t.p25Ms() <= t.medianMs() && t.medianMs() <= t.p75Ms()
                    && t.p75Ms() <= t.p90Ms() && t.p90Ms() <= t.p99Ms() && t.p99Ms() <= t.maxMs(), t.toString());
            assertTrue(t.medianLowMs() <= t.medianMs() && t.medianMs() <= t.medianHighMs(), t.toString());
            if (r.batch().equals(SweepPlan.SMALL)) {
                assertEquals(1, t.callsPerSample(), "one-row latency is timed call by call: " + r);
            }
            if (r.memory().equals(CaseResult.HOST)) {
                assertEquals(ComputeRoof.id(r.dtype(), r.threads()), r.computeRoof(), r.toString());
                assertTrue(r.computeRoofGbps() > 0, r.toString());
                assertEquals(r.computeRoofGbps() < report.ceiling(r.ceiling()).gbps() ? CaseResult.COMPUTE_WALL
                        : CaseResult.MEMORY_WALL, r.wall());
            } else {
                assertEquals(null, r.computeRoof(), r.toString());
            }
        }
    }

    @Test
    void resultsJsonReadsBackToTheSameReport(@TempDir Path dir) throws IOException {
        ReportFiles.write(report, dir);
        assertEquals(report, ResultsJson.read(dir.resolve(ReportFiles.RESULTS)));
    }

    @Test
    void aFailingContenderIsRecordedAndTheRunGoesOn() {
        SweepPlan one = new SweepPlan(List.of(Op.SOFTMAX), List.of(DType.FLOAT64), List.of(32L), List.of(), 1,
                4 << 10, 64 << 10, TINY, true);
        Contender broken = new KernelContender(new OffHostKernel() {
            @Override
            protected OptionalDouble launch(OpRequest r, MemorySegment in, MemorySegment out, MemorySegment second,
                    boolean timed) {
                throw new SoftmaxEngineException("device lost");
            }
        }, 0, "broken");
        List<Contender> contenders = List.of(broken,
                new KernelContender(new ScalarSoftmaxKernel(), 1, ScalarSoftmaxKernel.NAME));
        SuiteReport r;
        try {
            r = new HardwareSuite(one, Progress.NONE).run(contenders, List.of());
        } finally {
            contenders.forEach(Contender::close);
        }
        assertEquals(1, r.failures().size(), r.failures().toString());
        assertTrue(r.failures().getFirst().startsWith("broken softmax float64 16x32: ")
                && r.failures().getFirst().contains("device lost"), r.failures().toString());
        assertEquals(List.of("scalar"), r.results().stream().map(CaseResult::label).toList());
    }

    @Test
    void theTextTableComparesSimdWithScalarAndOnnxRuntime() {
        String text = ComparisonTable.text(ComparisonTable.of(report));
        assertTrue(text.contains("simd x1 / scalar") && text.contains("simd x1 / onnxruntime x1"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("softmax") && l.contains("float32  64x256")), text);
    }
}
