package dev.softmaxengine.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.VectorApi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JVM started without the Vector API flags gets one WARNING naming them, and auto still works. */
class MissingVectorApiTest {

    /** The child: picks a backend as a library user does, twice, and prints it. */
    public static void main(String[] args) {
        for (int i = 0; i < 2; i++) {
            try (SoftmaxKernel k = Backends.create()) {
                System.out.println("backend " + k.backend());
            }
        }
    }

    @Test
    void withoutTheFlagsAutoWarnsOnceNamingThem(@TempDir Path dir) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-D" + Backends.PROPERTY + "=auto", MissingVectorApiTest.class.getName());
        pb.environment().remove(Backends.ENV);
        pb.redirectErrorStream(true);
        Path log = dir.resolve("child.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        List<String> out = Files.readAllLines(log, StandardCharsets.UTF_8);
        String all = String.join("\n", out);
        assertEquals(0, p.exitValue(), all);
        long warnings = out.stream().filter(l -> l.startsWith("WARNING") && l.contains(VectorApi.FLAGS)).count();
        assertEquals(1, warnings, all);
        assertTrue(out.stream().noneMatch(l -> l.equals("backend simd")), all);
        assertEquals(2, out.stream().filter(l -> l.startsWith("backend ")).count(), all);
    }
}
