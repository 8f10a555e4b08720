package dev.softmaxengine.spark;

import dev.softmaxengine.spark.examples.PrepareExample;
import dev.softmaxengine.spark.examples.ScoreParquet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVMs a user starts: the README's example with plain {@code java @spark/jvm.args -cp ...} and
 * a local master, and an executor JVM without the engine's flags.
 */
class LaunchTest {
    private static final Path JVM_ARGS = Path.of("jvm.args");

    private record Result(int status, String output) {
    }

    private static Result java(List<String> flags, Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(main.getSimpleName() + " did not finish in 3 minutes");
        }
        String output = new String(out, StandardCharsets.UTF_8);
        System.out.println(main.getSimpleName() + " exited " + p.exitValue() + "; last lines:\n"
                + output.lines().skip(Math.max(0, output.lines().count() - 5)).reduce("", (a, b) -> a + b + "\n"));
        return new Result(p.exitValue(), output);
    }

    @Test
    void theExampleRunsOnPlainJavaWithALocalMaster(@TempDir Path dir) throws Exception {
        List<String> flags = List.of("@" + JVM_ARGS, "-Xmx1g");
        Path digits = SparkTests.sharedData("tabular/digits.csv.gz");
        Result prepare = java(flags, PrepareExample.class, "--data", digits.toString(), "--out", dir.toString(),
                "--repeat", "3", "--max-iterations", "60", "--master", "local[1]");
        assertEquals(0, prepare.status(), prepare.output());
        assertTrue(Files.isRegularFile(dir.resolve("model.smx")));

        Path scored = dir.resolve("scored.parquet");
        Result score = java(flags, ScoreParquet.class, "--model", dir.resolve("model.smx").toString(),
                "--in", dir.resolve("rows.parquet").toString(), "--out", scored.toString(), "--master", "local[1]");
        assertEquals(0, score.status(), score.output());
        // digits: every 5th of 1797 rows held out = 359, written 3 times.
        Matcher m = Pattern.compile("scored 1077 rows .* accuracy (0\\.\\d+)").matcher(score.output());
        assertTrue(m.find(), score.output());
        assertTrue(Double.parseDouble(m.group(1)) > 0.9, "accuracy " + m.group(1));
        assertTrue(Files.isDirectory(scored));
    }

    @Test
    void withoutTheVectorModuleSimdFailsNamingTheSparkConfKeys() throws Exception {
        Result r = java(List.of(), KernelChoice.class, "simd");
        assertNotEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("backend simd is not usable on this executor: jdk.incubator.vector is not in its"
                + " module graph; add --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED to"
                + " spark.executor.extraJavaOptions"), r.output());
    }

    @Test
    void withoutTheVectorModuleAutoFallsBackWithOneWarning() throws Exception {
        Result r = java(List.of(), KernelChoice.class, "auto");
        assertEquals(0, r.status(), r.output());
        List<String> warnings = r.output().lines().filter(l -> l.contains("auto chose")).toList();
        assertEquals(1, warnings.size(), r.output());
        assertTrue(warnings.get(0).contains("spark.executor.extraJavaOptions"), warnings.get(0));
        String[] last = r.output().lines().reduce((a, b) -> b).orElseThrow().split(" ");
        assertNotEquals("simd", last[0]);
        // softmax([2, 0])[0] = 1 / (1 + e^-2), scored without the Vector API GEMM.
        assertEquals(1 / (1 + Math.exp(-2)), Double.parseDouble(last[1]), 1e-12);
    }
}
