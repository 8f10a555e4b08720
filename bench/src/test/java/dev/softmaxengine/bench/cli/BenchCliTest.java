package dev.softmaxengine.bench.cli;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.suite.HardwareSuite;
import dev.softmaxengine.bench.suite.Progress;
import dev.softmaxengine.bench.suite.ResultsJson;
import dev.softmaxengine.bench.suite.SuiteReport;
import dev.softmaxengine.bench.suite.SweepPlan;
import dev.softmaxengine.bench.suite.Timing;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The bench launcher's options, redraw, merge, CSV and compare; the measuring itself is tested in the suite package. */
class BenchCliTest {
    private static SuiteReport measured;

    /** One quick real run, scalar and simd on one shape, shared by the tests that redraw it. */
    @BeforeAll
    static void measureOnce() {
        Timing brief = new Timing(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(2), 3, 20,
                Duration.ofNanos(50_000), Duration.ofSeconds(1));
        SweepPlan plan = new SweepPlan(List.of(Op.SOFTMAX), List.of(DType.FLOAT32), List.of(64L), List.of(1024L), 1,
                64 << 10, 64 << 10, brief, true).withThreads(List.of(1));
        measured = new HardwareSuite(plan, Progress.NONE, "--test").run(List.of("scalar", "simd"));
    }

    record Run(int exit, String out, String err) {
        static Run of(String... args) {
            CommandLine cmd = BenchCli.commandLine(String.join(" ", args));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cmd.setOut(new PrintWriter(out, true));
            cmd.setErr(new PrintWriter(err, true));
            return new Run(cmd.execute(args), out.toString(), err.toString());
        }
    }

    @Test
    void badOptionsAreOneLineAndStatusTwo() {
        Run r = Run.of("--dtypes", "int8");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("dtype must be float32, float64, bfloat16 or float16, was 'int8'"), r.err());

        r = Run.of("--ops", "sample", "--top-p", "1.5", "--backend", "scalar");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("topP must be in (0, 1], was 1.5"), r.err());

        r = Run.of("--ops", "top-k", "--k", "100", "--shapes", "2x64", "--backend", "scalar");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("k must be at most every shape's row length"), r.err());

        r = Run.of("--backend", "nosuch");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("backend must be one of") && r.err().contains("nosuch"), r.err());

        r = Run.of("--ops", "argmax", "--backend", "scalar");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("argmax"), r.err());

        r = Run.of("--from", "results.json", "--quick");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("--from redraws an earlier run"), r.err());

        r = Run.of("--repeat-until", "150%", "--backend", "scalar");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("--repeat-until must be above 0% and below 100%, was '150%'"), r.err());

        r = Run.of("--shapes", "4096by1024", "--backend", "scalar");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("4096by1024"), r.err());

        r = Run.of("--threads", "0", "--backend", "scalar");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("threads must be > 0, was 0"), r.err());

        r = Run.of("compare", "only-one.json");
        assertEquals(BenchCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("RESULTS_JSON"), r.err());
    }

    @Test
    void percentagesParse() {
        assertEquals(0.02, BenchCli.parsePercent("2%"), 1e-12);
        assertEquals(0.005, BenchCli.parsePercent(" 0.005 "), 1e-12);
    }

    @Test
    void fromRedrawsAnEarlierRunAndWritesTheCsv(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("earlier.json");
        ResultsJson.write(measured, json);

        Path out = dir.resolve("redrawn");
        Run r = Run.of("--from", json.toString(), "--out", out.toString(), "--csv");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("simd x1 / scalar"), r.out());
        assertTrue(r.out().contains("compute roof: exp float32, 1 thread"), r.out());
        assertTrue(Files.size(out.resolve("report.html")) > 0);
        assertTrue(Files.size(out.resolve("gbps-softmax-float32.png")) > 0);
        assertTrue(Files.size(out.resolve("latency-softmax-float32.png")) > 0);
        assertEquals(measured, ResultsJson.read(out.resolve("results.json")));
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(1 + measured.results().size(), csv.size());
        assertTrue(csv.get(0).startsWith("run,created,cpu_model,"), csv.get(0));
        assertTrue(csv.get(1).startsWith("redrawn,"), csv.get(1));
    }

    @Test
    void compareJoinsTwoRunsIntoOneReport(@TempDir Path dir) throws IOException {
        Path a = Files.createDirectories(dir.resolve("run-a")).resolve("results.json");
        Path b = Files.createDirectories(dir.resolve("run-b")).resolve("results.json");
        ResultsJson.write(measured, a);
        ResultsJson.write(measured, b);
        Path out = dir.resolve("cmp");
        Run r = Run.of("compare", a.toString(), b.toString(), "--out", out.toString(), "--csv");
        assertEquals(0, r.exit(), r.err());
        // The same run twice: every ratio of medians is exactly 1.
        assertTrue(r.out().contains("simd x1: run-b / run-a"), r.out());
        assertTrue(r.out().contains("1.00x"), r.out());
        String html = Files.readString(out.resolve("compare.html"));
        assertTrue(html.contains("<th>run-a</th><th>run-b</th>"), html);
        assertTrue(html.contains("vector species"), html);
        assertTrue(Files.size(out.resolve("compare-gbps-softmax-float32.png")) > 0);
        assertEquals(1 + 2 * measured.results().size(), Files.readAllLines(out.resolve("results.csv")).size());
    }

    @Test
    void benchOnnxScoresAnImportedModelAgainstOnnxRuntime(@TempDir Path dir) throws IOException {
        Path model = Path.of("../models/src/test/resources/onnx/digits_logreg.onnx");
        assumeTrue(Files.isRegularFile(model), "no " + model + " from here");
        // Twenty rows of digits' shape (64 features, labels 0-9), as a headerless CSV.
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j < 64; j++) {
                csv.append((i * 7 + j * 3) % 17).append(',');
            }
            csv.append(i % 10).append('\n');
        }
        Path data = dir.resolve("rows.csv");
        Files.writeString(data, csv);
        Run r = Run.of("bench-onnx", "--model", model.toString(), "--data", data.toString(), "--rows", "200",
                "--batch", "50", "--reps", "1", "--seconds", "0.05");
        assertEquals(0, r.exit(), r.err());
        // One row per thread count: ratio, probability difference and label mismatches (none: the same model).
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("| 1 |") && l.endsWith("| 0 |")), r.out());
    }

    @Test
    void mergeTakesAnotherBenchRunUnderItsName(@TempDir Path dir) throws IOException {
        Path other = Files.createDirectories(dir.resolve("laptop")).resolve("results.json");
        ResultsJson.write(measured, other);
        Path json = dir.resolve("here.json");
        ResultsJson.write(measured, json);
        Path out = dir.resolve("merged");
        Run r = Run.of("--from", json.toString(), "--merge", other.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        SuiteReport merged = ResultsJson.read(out.resolve("results.json"));
        assertEquals(2 * measured.results().size(), merged.results().size());
        assertTrue(merged.results().stream().anyMatch(x -> x.label().equals("laptop: simd x1")));
        assertTrue(merged.ceiling("laptop/cpu-copy-x1") != null);
    }
}
