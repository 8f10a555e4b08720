package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.BackendAssumptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenClKernelProviderTest {

    @Test
    void probeListsEveryDeviceAndRanksByType() {
        Backends.Status s = BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
        KernelProvider.Probe probe = s.probe();
        OpenClDevice best = OpenClPlatforms.discovery().best().orElseThrow();
        assertEquals(best.isGpu() ? OpenClKernelProvider.GPU_RANK : OpenClKernelProvider.CPU_RANK, probe.autoRank());
        assertFalse(probe.devices().isEmpty());
        for (String line : probe.devices()) {
            assertTrue(line.startsWith("platform "), line);
            if (line.contains("device ")) {
                assertTrue(line.contains("compute units") && line.contains("GiB global memory")
                        && line.matches(".*fp64 (yes|no).*"), line);
            }
        }
        try (SoftmaxKernel k = Backends.create(OpenClSoftmaxKernel.NAME)) {
            assertEquals(OpenClSoftmaxKernel.NAME, k.backend());
            assertTrue(k.device().contains(best.name()), k.device());
        }
    }

    /** With no OpenCL driver registered the probe is unusable with the reason, and forcing the backend says so. */
    @Test
    void noPlatformIsAReasonNotACrash(@TempDir Path emptyVendors) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ProbeInChildJvm.class.getName());
        // ocl-icd reads its drivers from OCL_ICD_VENDORS: an empty directory means no platform at all.
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        pb.environment().remove("OCL_ICD_FILENAMES");
        pb.redirectErrorStream(true);
        Path log = emptyVendors.resolveSibling(emptyVendors.getFileName() + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        List<String> out = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join("\n", out));
        assertTrue(out.contains("usable false"), String.join("\n", out));
        assertTrue(out.stream().anyMatch(l -> l.startsWith("reason no OpenCL platform")), String.join("\n", out));
        assertTrue(out.stream().anyMatch(l -> l.startsWith("forced IllegalStateException: backend opencl is not usable: no OpenCL platform")),
                String.join("\n", out));
    }

    /**
     * Without --enable-native-access the probe refuses before JOCL loads anything native: a reason,
     * and none of the JVM's restricted-method warnings on the host application's stderr.
     */
    @Test
    void withoutNativeAccessTheProbeIsQuiet(@TempDir Path dir) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ProbeInChildJvm.class.getName());
        pb.redirectErrorStream(true);
        Path log = dir.resolve("child.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        List<String> out = Files.readAllLines(log, StandardCharsets.UTF_8);
        String all = String.join("\n", out);
        assertEquals(0, p.exitValue(), all);
        assertTrue(out.contains("usable false"), all);
        assertTrue(out.contains("reason native access is not enabled; add --enable-native-access=ALL-UNNAMED"), all);
        assertTrue(out.stream().noneMatch(l -> l.contains("restricted method") || l.contains("Could not load")), all);
    }
}
