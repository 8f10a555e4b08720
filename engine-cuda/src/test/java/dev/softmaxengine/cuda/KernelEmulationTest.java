package dev.softmaxengine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.TestSeed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The CUDA kernel sources, run on the host by src/test/emulation (g++, one fiber per CUDA thread)
 * against an fp64 port of the oracle, so that their logic is tested on machines without a GPU:
 * first every entry point over configurations of its own, then exactly the launches
 * {@link LaunchPlan} chooses. What this cannot show (the driver's JIT, real concurrency, memory
 * faults, speed) is left to {@link CudaParityTest} on a GPU.
 */
class KernelEmulationTest {
    private static final Path SOURCES = Path.of("..", "kernels", "src", "main", "cuda");
    private static final Path HARNESS = Path.of("src", "test", "emulation");
    private static final Path OUT = Path.of("target", "emulation");
    /** A small GPU, so that capped grids stay small enough to emulate and long rows still split. */
    private static final DeviceLimits SMALL = new DeviceLimits(2, 48 * 1024, 64 * 1024);
    private static final double[] TEMPERATURES = {1, 0.7, 2.5};
    /** The ops of this harness: top-k and sample have SelectionEmulationTest. */
    private static final Set<Op> ROW_OPS = EnumSet.complementOf(EnumSet.of(Op.TOP_K, Op.SAMPLE));

    private static Path binary;

    private static synchronized Path binary() throws IOException, InterruptedException {
        assumeTrue(Files.isDirectory(SOURCES), "kernel sources not found at " + SOURCES.toAbsolutePath()
                + " (the test runs from the engine-cuda directory of a source checkout)");
        BackendAssumptions.requireInCi(PtxResourcesTest.onPath("g++"),
                "g++ is not on PATH; the host emulation needs a C++20 compiler");
        if (binary == null) {
            Files.createDirectories(OUT);
            Path b = OUT.resolve("kernel_emulation_test");
            run(List.of("g++", "-std=c++20", "-O1", "-Wall", "-Wno-unknown-pragmas", "-Werror", "-I", HARNESS.toString(),
                    "-I", SOURCES.toString(), HARNESS.resolve("kernel_emulation_test.cpp").toString(), "-o", b.toString()),
                    "compiling the emulation");
            binary = b;
        }
        return binary;
    }

    @Test
    void everyEntryPointMatchesTheOracle() throws IOException, InterruptedException {
        String log = run(List.of(binary().toString(), Long.toUnsignedString(TestSeed.value()), tolerances().toString()),
                "the emulation");
        System.out.print(log);
        assertTrue(log.contains(" 0 failures"), log);
    }

    @Test
    void plannedLaunchesMatchTheOracle() throws IOException, InterruptedException {
        long[][] rows = {{5, 1}, {9, 3}, {33, 17}, {4, 64}, {3, 100}, {2, 1023}, {3, 1024}, {2, 1025}, {2, 4096},
                {1, 15_000}, {3, 7000}, {1, 70_001}, {2, 131_072}, {3, 0}};
        long[][] strided = {{3, 5, 7}, {2, 100, 33}, {2, 600, 2}, {1, 3, 300}, {2, 0, 3}};
        long[] elementwise = {1, 1001, 70_001};
        StringBuilder plans = new StringBuilder();
        Set<Strategy> seen = EnumSet.noneOf(Strategy.class);
        int count = 0;
        for (DType dtype : LaunchPlan.DTYPES) {
            for (Op op : ROW_OPS) {
                if (op.isElementwise()) {
                    for (long n : elementwise) {
                        count += write(plans, seen, op, dtype, 1, n, 1, 1);
                    }
                    continue;
                }
                for (long[] s : rows) {
                    count += write(plans, seen, op, dtype, s[0], s[1], 1, TEMPERATURES[count % 3]);
                }
                for (long[] s : strided) {
                    count += write(plans, seen, op, dtype, s[0], s[1], s[2], TEMPERATURES[count % 3]);
                }
            }
        }
        assertEquals(EnumSet.complementOf(EnumSet.of(Strategy.SELECTION)), seen, "the shapes exercise every strategy"
                + " (selection has SelectionEmulationTest)");
        Files.createDirectories(OUT);
        Path file = OUT.resolve("plans.txt");
        Files.writeString(file, plans, StandardCharsets.US_ASCII);
        String log = run(List.of(binary().toString(), Long.toUnsignedString(TestSeed.value()), tolerances().toString(),
                        file.toString()),
                "the emulation of " + count + " plans");
        System.out.print(log);
        assertTrue(log.contains(count + " plans, ") && log.contains(" 0 failures"), log);
    }

    /**
     * CudaSoftmaxKernel's bounds, one {@code op-code dtype-code rtol atol} line each (dtype codes 0
     * float32, 1 float64, 2 bfloat16, 3 float16), for the emulation to check against: the C++ side
     * keeps no copy of the table.
     */
    private static Path tolerances() throws IOException {
        StringBuilder b = new StringBuilder();
        for (DType dtype : LaunchPlan.DTYPES) {
            for (Op op : ROW_OPS) {
                int code = switch (op) {
                    case SIGMOID -> -1;
                    case LOG_SIGMOID -> -2;
                    default -> CudaSoftmaxKernel.opCode(op);
                };
                Tolerance t = CudaSoftmaxKernel.bound(op, dtype);
                b.append(String.format(Locale.ROOT, "%d %d %s %s%n", code, LaunchPlan.DTYPES.indexOf(dtype),
                        Double.toHexString(t.rtol()), Double.toHexString(t.atol())));
            }
        }
        Files.createDirectories(OUT);
        Path file = OUT.resolve("tolerances.txt");
        Files.writeString(file, b, StandardCharsets.US_ASCII);
        return file;
    }

    /** Appends the plan of one request unless its output is empty; returns how many it wrote. */
    private static int write(StringBuilder out, Set<Strategy> seen, Op op, DType dtype, long outer, long n, long inner,
                             double temperature) {
        if (n == 0 && op != Op.LOGSUMEXP) {
            return 0;
        }
        LaunchPlan p = LaunchPlan.of(op, dtype, outer, n, inner, SMALL);
        seen.add(p.strategy());
        int code = switch (op) {
            case SIGMOID -> -1;
            case LOG_SIGMOID -> -2;
            default -> CudaSoftmaxKernel.opCode(op);
        };
        double invT = op == Op.SOFTMAX || op == Op.LOG_SOFTMAX ? 1 / temperature : 1;
        out.append(String.format(Locale.ROOT, "request %s %d %d %d %d %s %s %d %d%n", LaunchPlan.dtypeName(dtype), code,
                outer, n, inner, Double.toString(invT), p.strategy(), p.splits(), p.chunk()));
        for (LaunchPlan.Launch l : p.launches()) {
            out.append(String.format(Locale.ROOT, "launch %s %d %d %d %d %d%n", l.function(), l.gridX(), l.gridY(),
                    l.blockX(), l.blockY(), l.sharedBytes()));
        }
        out.append("end\n");
        return 1;
    }

    private static String run(List<String> command, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), what + " did not finish in 5 minutes");
        assertEquals(0, p.exitValue(), what + " (" + String.join(" ", command) + ") failed; rerun with -D"
                + TestSeed.PROPERTY + "=" + TestSeed.value() + ":\n" + log);
        return log;
    }
}
