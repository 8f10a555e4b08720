package dev.softmaxengine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The PTX the backend loads: on the class path, declaring exactly the planner's entry points, valid for sm_90. */
class PtxResourcesTest {
    private static final Pattern ENTRY = Pattern.compile("^\\.visible \\.entry (\\w+)\\(", Pattern.MULTILINE);

    static Stream<String> modules() {
        return Arrays.stream(Strategy.values()).map(Strategy::module).distinct();
    }

    private static String text(String module) {
        byte[] ptx = CudaSoftmaxKernel.ptx(module);
        assertEquals(0, ptx[ptx.length - 1], "cuModuleLoadData needs a NUL-terminated image");
        return new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @MethodSource("modules")
    void declaresThePlannersEntryPoints(String module) {
        Matcher m = ENTRY.matcher(text(module));
        SortedSet<String> declared = new TreeSet<>();
        while (m.find()) {
            declared.add(m.group(1));
        }
        assertEquals(LaunchPlan.entryPoints(module), declared, module + ".ptx entry points");
    }

    @ParameterizedTest
    @MethodSource("modules")
    void targetsTheOldestSupportedGpuAndDriver(String module) {
        String ptx = text(module);
        assertTrue(ptx.contains("\n.target sm_75\n"), module + ".ptx must target sm_75 (compute_75)");
        // ISA 7.0 is what CUDA 11.0 drivers read: CudaDriver.MIN_DRIVER_VERSION.
        assertTrue(ptx.contains("\n.version 7.0\n"), module + ".ptx must declare PTX ISA 7.0");
        assertEquals(11_000, CudaDriver.MIN_DRIVER_VERSION);
        assertTrue(!ptx.contains("/work/") && !ptx.contains(".file"), module + ".ptx must not name source paths");
    }

    @ParameterizedTest
    @MethodSource("modules")
    void assemblesForSm90(String module, @TempDir Path dir) throws IOException, InterruptedException {
        assumeTrue(onPath("ptxas"), "ptxas is not on PATH; the cuda-ptx profile of kernels runs this check where nvcc is");
        Path ptx = dir.resolve(module + ".ptx");
        Files.writeString(ptx, text(module), StandardCharsets.US_ASCII);
        Process p = new ProcessBuilder("ptxas", "-arch=sm_90", ptx.toString(), "-o", dir.resolve(module + ".cubin").toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "ptxas did not finish");
        assertEquals(0, p.exitValue(), "ptxas -arch=sm_90 " + module + ".ptx: " + log);
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(java.io.File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, tool)));
    }
}
