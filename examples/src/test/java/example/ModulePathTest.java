package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine's jars on the module path, as the automatic modules their Automatic-Module-Name
 * gives (dev.softmaxengine.api, dev.softmaxengine.simd), and the example on the class path:
 * simd's META-INF/services entry becomes a provides, and auto still finds it.
 */
class ModulePathTest {
    @Test
    void simdIsFoundOnTheModulePath() throws IOException, InterruptedException {
        String modulePath = System.getProperty("example.modulepath");
        assertTrue(modulePath != null && !modulePath.isBlank(), "example.modulepath is not set (surefire sets it)");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // Naming dev.softmaxengine.api resolves it by its Automatic-Module-Name, and with it every
        // other automatic module on the path (simd). Neither calls native code: no native access.
        Process p = new ProcessBuilder(List.of(java.toString(),
                "--module-path", modulePath,
                "--add-modules", "jdk.incubator.vector,dev.softmaxengine.api",
                "-cp", Path.of("target", "classes").toString(),
                "example.SoftmaxExample"))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example did not finish in 60 s");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("simd [")), "expected a line 'simd [...]' in:\n" + out);
    }
}
