package dev.softmaxengine.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench as engine-cuda/scripts/gpu-check.sh carries it to a GPU host: run in a child JVM whose
 * class path lacks ONNX Runtime, XChart and JMH. Each missing part is left out with one line saying
 * why; naming it is an error with that reason; what remains is measured and written.
 */
class WithoutOptionalLibrariesTest {
    /** The jars gpu-check.sh leaves behind (its list of optional artifacts, the ones on this class path). */
    private static final List<String> LEFT_OUT = List.of("onnxruntime-", "xchart-", "jmh-core-");
    private static final String NO_ORT = "no ONNX Runtime (com.microsoft.onnxruntime:onnxruntime) on the class path"
            + " (ai.onnxruntime.OrtEnvironment not found)";
    private static final String NO_XCHART = "no XChart (org.knowm.xchart:xchart) on the class path"
            + " (org.knowm.xchart.XYChart not found)";
    /** A sweep of one small shape and one thread, so that the child's roofs take most of its few seconds. */
    private static final List<String> TINY = List.of("--shapes", "8x64", "--ops", "softmax", "--dtypes", "float32",
            "--threads", "1");

    record Run(int exit, String out, String err) {
        /** Stderr less the JVM's own warning about the incubator module. */
        List<String> errors() {
            return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        }
    }

    private static Run bench(Path dir, List<String> args) throws IOException, InterruptedException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> LEFT_OUT.stream().noneMatch(Path.of(e).getFileName().toString()::startsWith))
                .reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", classPath,
                BenchCli.class.getName()));
        command.addAll(args);
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child bench ran past 120 s: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void theClassPathReallyLacksThem() {
        String classPath = System.getProperty("java.class.path");
        for (String jar : LEFT_OUT) {
            assertTrue(classPath.contains(File.separator + jar), "this test's own class path has " + jar + ": "
                    + classPath);
        }
    }

    @Test
    void theSuiteRunsWithoutThemAndSaysWhatItLeftOut(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report");
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of("--out", report.toString()));
        Run r = bench(dir, args);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(("note: onnxruntime: left out: " + NO_ORT)::equals), r.out());
        assertTrue(r.out().lines().anyMatch(("note: charts: left out: " + NO_XCHART)::equals), r.out());
        assertTrue(r.out().contains("memory roof:  CPU copy, 1 thread"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("softmax") && l.contains("8x64")), r.out());
        assertTrue(Files.readString(report.resolve("results.json")).contains("charts: left out: " + NO_XCHART));
        assertTrue(Files.readString(report.resolve("report.html")).startsWith("<!DOCTYPE html>"));
        try (Stream<Path> files = Files.list(report)) {
            assertFalse(files.anyMatch(f -> f.toString().endsWith(".png")), "no charts without XChart");
        }

        Path compared = dir.resolve("compare");
        String results = report.resolve("results.json").toString();
        r = bench(dir, List.of("compare", results, results, "--out", compared.toString()));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(("note: charts: left out: " + NO_XCHART)::equals), r.out());
        try (Stream<Path> files = Files.list(compared)) {
            assertEquals(List.of(compared.resolve("compare.html")), files.toList());
        }
    }

    @Test
    void namingOnnxRuntimeIsAnErrorWithTheReason(@TempDir Path dir) throws Exception {
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of("--backend", "scalar,onnxruntime", "--out", dir.resolve("report").toString()));
        Run r = bench(dir, args);
        assertEquals(BenchCli.EXIT_ERROR, r.exit(), r.out() + r.err());
        assertEquals(List.of("softmax-engine-bench: error: backend onnxruntime cannot run here: " + NO_ORT), r.errors());

        r = bench(dir, List.of("bench-onnx", "--model", dir.resolve("absent.onnx").toString()));
        assertEquals(BenchCli.EXIT_ERROR, r.exit(), r.out() + r.err());
        assertEquals(List.of("softmax-engine-bench: error: bench-onnx times ONNX Runtime: " + NO_ORT), r.errors());
    }
}
