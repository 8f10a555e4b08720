package dev.softmaxengine.cli;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.suite.HardwareSuite;
import dev.softmaxengine.bench.suite.Progress;
import dev.softmaxengine.bench.suite.ResultsJson;
import dev.softmaxengine.bench.suite.SuiteReport;
import dev.softmaxengine.bench.suite.SweepPlan;
import dev.softmaxengine.bench.suite.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench command's options; the measuring itself is tested in bench's suite package. */
class BenchCommandTest {

    @Test
    void badOptionsAreOneLineAndStatusTwo() {
        CliRun r = CliRun.of("bench", "--dtypes", "float16");
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("dtype must be float32 or float64, was 'float16'"), r.err());

        r = CliRun.of("bench", "--backend", "nosuch");
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("backend must be one of") && r.err().contains("nosuch"), r.err());

        r = CliRun.of("bench", "--ops", "argmax", "--backend", "scalar");
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("argmax"), r.err());

        r = CliRun.of("bench", "--from", "results.json", "--quick");
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("--from redraws an earlier run"), r.err());
    }

    @Test
    void fromRedrawsAnEarlierRun(@TempDir Path dir) throws IOException {
        Timing brief = new Timing(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(2), 3, 20,
                Duration.ofNanos(50_000), Duration.ofSeconds(1));
        SweepPlan plan = new SweepPlan(List.of(Op.SOFTMAX), List.of(DType.FLOAT32), List.of(64L), List.of(), 1,
                64 << 10, 64 << 10, brief, true);
        SuiteReport report = new HardwareSuite(plan, Progress.NONE).run(List.of("scalar", "simd"));
        Path json = dir.resolve("earlier.json");
        ResultsJson.write(report, json);

        Path out = dir.resolve("redrawn");
        CliRun r = CliRun.of("bench", "--from", json.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("simd x1 / scalar"), r.out());
        assertTrue(Files.size(out.resolve("report.html")) > 0);
        assertTrue(Files.size(out.resolve("gbps-softmax-float32.png")) > 0);
        assertEquals(report, ResultsJson.read(out.resolve("results.json")));
    }
}
