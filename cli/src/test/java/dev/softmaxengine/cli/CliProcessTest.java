package dev.softmaxengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI in a JVM of its own, as a user runs it: what reaches the real stderr, log records
 * included, which an in-process run (where backend discovery already happened) cannot see.
 */
class CliProcessTest {
    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SoftmaxEngineCli.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the CLI exits");
        String errText = new String(err, StandardCharsets.UTF_8).lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce("", (a, b) -> a + b + "\n");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), errText);
    }

    /** Before: five lines, three of them auto's INFO pass-overs, printed before the input was opened. */
    @Test
    void aMissingInputIsTheOnlyLineOnStderr() throws Exception {
        Path missing = dir.resolve("absent.npy");
        Result r = run("apply", "--op", "softmax", "--in", missing.toString(), "--out", dir.resolve("y.npy").toString());
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, r.exit(), r.err());
        assertEquals("softmax-engine: error: " + missing + ": no such file\n", r.err());
        assertEquals("", r.out());
    }
}
