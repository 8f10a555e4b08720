package dev.softmaxengine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.TestSeed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * selection.cu's top-k and sample kernels, run on the host by src/test/emulation (g++, one fiber
 * per CUDA thread) with the grids {@link LaunchPlan} chooses on a small GPU (so the grid-stride
 * loops wrap), against the Java oracle: top-k exactly, sample's draws exactly and its
 * log-probabilities within {@link CudaSoftmaxKernel#bound}. bfloat16 and float16 inputs run the
 * same requests: top-k's values must be the input's (signed zeros included), and each 16-bit
 * sample must draw what the float32 kernel draws for its exact widening. A GPU run of the
 * selection parity suite ({@link CudaSelectionParityTest}) covers what emulation cannot.
 */
class SelectionEmulationTest {
    private static final Path SOURCES = Path.of("..", "kernels", "src", "main", "cuda");
    private static final Path HARNESS = Path.of("src", "test", "emulation");
    private static final Path OUT = Path.of("target", "emulation");
    private static final DeviceLimits SMALL = new DeviceLimits(1, 48 * 1024, 64 * 1024);
    private static final ScalarSoftmaxKernel ORACLE = new ScalarSoftmaxKernel();
    private static final Sampling[] CONFIGS = {
            Sampling.of(1, 11), Sampling.of(0, 13), new Sampling(1, 1, 1, 0, 14), new Sampling(0.8, 5, 0.95, 0, 16),
            new Sampling(1, 0, 0.9, 0, 17), new Sampling(1.3, 0, 0.5, 0.05, 18), new Sampling(1, 0, 1, 0.2, 19),
            new Sampling(2, 3, 0.3, 0.5, 20)};

    /** One request: its line for the harness, and what to compare its output with. */
    private record Request(String header, DType dtype, double[] x, double[] refValues, int[] refIndices, Tolerance tol,
                           String what, int twin) {
        /** The same request whose indices must equal the ones of request {@code twin} ({@code -1}: none). */
        Request twinOf(int twin) {
            return new Request(header, dtype, x, refValues, refIndices, tol, what, twin);
        }
    }

    @Test
    void topKAndSampleMatchTheOracle() throws IOException, InterruptedException {
        assumeTrue(Files.isDirectory(SOURCES), "kernel sources not found at " + SOURCES.toAbsolutePath());
        BackendAssumptions.requireInCi(PtxResourcesTest.onPath("g++"), "g++ is not on PATH; the host emulation needs a C++20 compiler");
        SplittableRandom rnd = TestSeed.random("selection emulation");
        List<Request> requests = new ArrayList<>();
        for (DType dtype : LaunchPlan.DTYPES) {
            for (long[] s : new long[][] {{3, 1, 1}, {3, 7, 1}, {300, 64, 1}, {2, 300, 1}, {2, 9, 5}, {3, 40, 130}}) {
                int n = (int) s[1];
                for (int kind = 0; kind < 4; kind++) {
                    double[] x = values(rnd, (int) (s[0] * n * s[2]), kind, dtype);
                    for (int k : new int[] {1, n / 2 + 1, n}) {
                        requests.add(topK(dtype, x, s[0], n, s[2], k));
                    }
                }
            }
            for (int n : new int[] {1, 7, 64, 300}) {
                for (int kind = 0; kind < 4; kind++) {
                    int rows = 300;
                    double[] x = values(rnd, rows * n, kind, dtype);
                    for (Sampling c : CONFIGS) {
                        Sampling capped = new Sampling(c.temperature(), Math.min(c.topK(), n), c.topP(), c.minP(), c.seed());
                        requests.add(sample(dtype, x, rows, n, capped));
                        if (dtype.isHalf()) {
                            // x widens to float32 exactly: the float32 kernel must draw the same.
                            requests.add(sample(DType.FLOAT32, x, rows, n, capped).twinOf(requests.size() - 1));
                        }
                    }
                }
            }
        }
        StringBuilder file = new StringBuilder();
        for (Request r : requests) {
            file.append(r.header()).append('\n');
            for (double v : r.x()) {
                file.append(Long.toHexString(Double.doubleToRawLongBits(v))).append(' ');
            }
            file.append('\n');
        }
        Files.createDirectories(OUT);
        Path in = OUT.resolve("selection_requests.txt");
        Files.writeString(in, file, StandardCharsets.US_ASCII);
        String[] lines = run(List.of(binary().toString(), in.toString())).split("\n");
        assertEquals(2 * requests.size(), lines.length, "two output lines per request");
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            double[] values = Arrays.stream(split(lines[2 * i])).mapToDouble(h -> Double.longBitsToDouble(Long.parseUnsignedLong(h, 16)))
                    .toArray();
            int[] indices = Arrays.stream(split(lines[2 * i + 1])).mapToInt(Integer::parseInt).toArray();
            assertEquals(r.refIndices().length, indices.length, r.what());
            boolean copies = r.dtype().isHalf() && r.header().startsWith("top_k");
            for (int j = 0; j < indices.length; j++) {
                // 16-bit top-k values are copies: a -0.0 must stay -0.0 (the tolerance equates zeros).
                boolean copied = !copies || Double.doubleToRawLongBits(values[j]) == Double.doubleToRawLongBits(r.refValues()[j])
                        || (Double.isNaN(values[j]) && Double.isNaN(r.refValues()[j]));
                if (indices[j] != r.refIndices()[j] || !r.tol().accepts(values[j], r.refValues()[j]) || !copied) {
                    fail(r.what() + ": element " + j + " is (" + values[j] + ", " + indices[j] + "), the oracle's ("
                            + r.refValues()[j] + ", " + r.refIndices()[j] + "), " + r.tol() + "; rerun with -D"
                            + TestSeed.PROPERTY + "=" + TestSeed.value());
                }
            }
            if (r.twin() >= 0) {
                int[] twin = Arrays.stream(split(lines[2 * r.twin() + 1])).mapToInt(Integer::parseInt).toArray();
                assertArrayEquals(indices, twin, r.what() + ": float32 draws against the 16-bit ones of " + requests.get(r.twin())
                        .what());
            }
        }
        System.out.println("selection emulation: " + requests.size() + " requests, 0 failures");
    }

    private static String[] split(String line) {
        return line.isBlank() ? new String[0] : line.trim().split(" ");
    }

    /** Gaussian rows (kind 0), ties on a grid (1), NaN / +-inf sprinkled (2), -inf masks with signed zeros (3). */
    private static double[] values(SplittableRandom rnd, int size, int kind, DType dtype) {
        double[] x = new double[size];
        for (int i = 0; i < size; i++) {
            double g = 3 * rnd.nextGaussian();
            x[i] = switch (kind) {
                case 0 -> g;
                case 1 -> Math.rint(g) / 2;
                case 2 -> rnd.nextInt(40) == 0 ? Double.NaN : rnd.nextInt(20) == 0
                        ? (rnd.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY) : g;
                default -> rnd.nextInt(3) == 0 ? (rnd.nextBoolean() ? 0.0 : -0.0) : rnd.nextInt(2) == 0 ? Double.NEGATIVE_INFINITY : g;
            };
            if (dtype == DType.FLOAT32) {
                x[i] = (float) x[i];
            } else if (dtype.isHalf()) {
                x[i] = Half.toFloat(dtype, Half.fromDouble(dtype, x[i]));
            }
        }
        return x;
    }

    private static Request topK(DType dtype, double[] x, long outer, int n, long inner, int k) {
        int out = (int) (outer * k * inner);
        double[] values = new double[out];
        int[] indices = new int[out];
        ORACLE.topK(Tensor.of(x.clone(), outer, n, inner), Tensor.of(values, outer, k, inner), Tensor.of(indices, outer, k, inner),
                k, 1);
        int grid = LaunchPlan.of(Op.TOP_K, dtype, outer, n, inner, SMALL).launches().getFirst().gridX();
        String header = String.format(Locale.ROOT, "top_k %s %d %d %d %d %d", LaunchPlan.dtypeName(dtype), outer, n, inner, k, grid);
        return new Request(header, dtype, x, values, indices, new Tolerance(0, 0), header, -1);
    }

    private static Request sample(DType dtype, double[] x, int rows, int n, Sampling s) {
        double[] lp = new double[rows];
        int[] indices = new int[rows];
        ORACLE.sample(Tensor.of(x.clone(), rows, n), Tensor.of(indices, rows), Tensor.of(lp, rows), s);
        if (dtype == DType.FLOAT32) {
            for (int i = 0; i < rows; i++) {
                lp[i] = (float) lp[i];
            }
        }
        int grid = LaunchPlan.of(Op.SAMPLE, dtype, rows, n, 1, SMALL).launches().getFirst().gridX();
        String header = String.format(Locale.ROOT, "sample %s %d %d %x %d %x %x %d 1 %d", LaunchPlan.dtypeName(dtype), rows, n,
                Double.doubleToRawLongBits(s.temperature()), s.topK(), Double.doubleToRawLongBits(s.topP()),
                Double.doubleToRawLongBits(s.minP()), s.seed(), grid);
        return new Request(header, dtype, x, lp, indices, CudaSoftmaxKernel.bound(Op.SAMPLE, dtype), header + " " + s, -1);
    }

    private static synchronized Path binary() throws IOException, InterruptedException {
        Files.createDirectories(OUT);
        Path b = OUT.resolve("selection_emulation_test");
        run(List.of("g++", "-std=c++20", "-O1", "-Wall", "-Wno-unknown-pragmas", "-Werror", "-I", HARNESS.toString(), "-I",
                SOURCES.toString(), HARNESS.resolve("selection_emulation_test.cpp").toString(), "-o", b.toString()));
        return b;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", command) + " did not finish in 5 minutes");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + log);
        return log;
    }
}
