package dev.softmaxengine.cli;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: one seeded batch through every usable backend, timed, and checked against the
 * scalar kernel run once in float64 as the oracle. Buffers live in each backend's own memory
 * ({@link SoftmaxKernel#allocate}), so the times are the kernels', not host-device copies.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {"Runs a seeded rows x cols batch through every usable backend: warm-up, then timed runs.",
                "Prints best and median ms per batch, GB/s (bytes read + written, from the best run), the max abs"
                        + " error against the scalar oracle computed once in float64, and whether every element is"
                        + " within the bound the backend promises. Exit status 2 if a backend fails or breaks its bound."})
final class DemoCommand implements Callable<Integer> {
    /** Logits with a spread typical of classifier outputs: N(0, 4^2). */
    private static final double LOGIT_SCALE = 4.0;
    /** Timed runs stop after this many seconds per backend (once three are done), keeping the default demo short. */
    private static final double SECONDS_PER_BACKEND = 3.0;
    private static final int MIN_TIMED_RUNS = 3;
    /** Small batches need many runs before the JIT has compiled the kernels; warm-up lasts at least this long. */
    private static final double WARMUP_SECONDS = 0.5;

    @Option(names = "--rows", defaultValue = "4096", description = "Rows of the batch (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--cols", defaultValue = "4096", description = "Columns, the softmax axis (default: ${DEFAULT-VALUE}).")
    long cols;

    @Option(names = "--op", defaultValue = "softmax", converter = ApplyCommand.OpConverter.class,
            description = "softmax, log-softmax, logsumexp, sigmoid, log-sigmoid or hardmax (default: ${DEFAULT-VALUE}).")
    Op op;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32, float64, bfloat16 or float16 (default: ${DEFAULT-VALUE}).")
    String dtypeName;

    @Option(names = "--warmup", defaultValue = "2",
            description = "Untimed runs per backend, more until " + WARMUP_SECONDS + " s have passed; 0 for none (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--reps", defaultValue = "10",
            description = "Timed runs per backend, fewer once " + SECONDS_PER_BACKEND + " s are spent (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the batch (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    private record Row(String backend, String device, double bestMs, double medianMs, double gbps, double maxError,
                       long outOfBound, int runs, String failure) {
    }

    @Override
    public Integer call() {
        DType dtype = dtype();
        checkOptions();
        PrintWriter out = spec.commandLine().getOut();
        Shape inShape = Shape.of(rows, cols);
        Shape outShape = op.isReducing() ? inShape.reduce(1, false) : inShape;
        long bytes = (inShape.size() + outShape.size()) * dtype.byteSize();
        out.printf(Locale.ROOT, "%s over %d x %d %s (seed %d): %.1f MiB read + written per batch; oracle: scalar in float64%n",
                op.cliName(), rows, cols, dtype.name().toLowerCase(Locale.ROOT), seed, bytes / 1048576.0);
        out.flush();

        // Resolved first, so that its one-line log of the backends passed over comes before the table.
        String auto = autoChoice();
        List<Row> table = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            Tensor x = batch(arena, dtype, inShape);
            Tensor reference = oracle(arena, x, outShape);
            Tensor result = Tensor.of(arena.allocate(outShape.size() * dtype.byteSize(), 64), dtype, outShape.dims());
            for (Backends.Status s : Backends.all()) {
                if (!s.probe().usable()) {
                    skipped.add(s.name() + ": " + s.probe().reason());
                    continue;
                }
                table.add(measure(s, x, reference, result, bytes));
            }
        }
        print(out, table, skipped, auto);
        boolean failed = table.stream().anyMatch(r -> r.failure() != null || r.outOfBound() > 0);
        return failed ? SoftmaxEngineCli.EXIT_ERROR : 0;
    }

    private DType dtype() {
        return switch (dtypeName.trim().toLowerCase(Locale.ROOT)) {
            case "float32", "f4", "fp32" -> DType.FLOAT32;
            case "float64", "f8", "fp64" -> DType.FLOAT64;
            case "bfloat16", "bf16" -> DType.BFLOAT16;
            case "float16", "f2", "fp16" -> DType.FLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be float32, float64, bfloat16 or float16, was "
                    + dtypeName);
        };
    }

    private void checkOptions() {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("--rows and --cols must be >= 1, were " + rows + " and " + cols);
        }
        if (op == Op.ARGMAX) {
            throw new IllegalArgumentException("--op argmax is not a tensor op; the demo runs softmax, log-softmax,"
                    + " logsumexp, sigmoid, log-sigmoid or hardmax");
        }
        if (warmup < 0 || reps < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --reps >= 1, were " + warmup + " and " + reps);
        }
        try {
            // The oracle holds the batch twice in float64.
            Math.multiplyExact(Math.multiplyExact(rows, cols), 2L * Double.BYTES);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("--rows " + rows + " x --cols " + cols + " overflows a byte count");
        }
    }

    private Tensor batch(Arena arena, DType dtype, Shape shape) {
        Tensor x = Tensor.of(arena.allocate(shape.size() * dtype.byteSize(), 64), dtype, shape.dims());
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < x.size(); i++) {
            x.set(i, random.nextGaussian() * LOGIT_SCALE);
        }
        return x;
    }

    /** The scalar kernel on the batch widened to float64: every backend is compared with this, computed once. */
    private Tensor oracle(Arena arena, Tensor x, Shape outShape) {
        Tensor wide = Tensor.of(arena.allocate(x.size() * Double.BYTES, 64), DType.FLOAT64, x.shape().dims());
        for (long i = 0; i < x.size(); i++) {
            wide.set(i, x.get(i));
        }
        Tensor reference = Tensor.of(arena.allocate(outShape.size() * Double.BYTES, 64), DType.FLOAT64, outShape.dims());
        new ScalarSoftmaxKernel().execute(OpRequest.of(op, wide, reference));
        return reference;
    }

    private Row measure(Backends.Status status, Tensor x, Tensor reference, Tensor result, long bytes) {
        String device = "";
        try (KernelBackend kernel = status.provider().create();
             DeviceBuffer in = kernel.allocate(x.dtype(), x.size());
             DeviceBuffer outBuffer = kernel.allocate(x.dtype(), result.size())) {
            device = kernel.device();
            in.write(x);
            OpRequest request = OpRequest.of(op, Tensor.of(in, x.shape().dims()),
                    Tensor.of(outBuffer, result.shape().dims()));
            long warming = System.nanoTime();
            for (int i = 0; i < warmup || (warmup > 0 && (System.nanoTime() - warming) / 1e9 < WARMUP_SECONDS); i++) {
                kernel.execute(request);
            }
            double[] ms = new double[reps];
            int runs = 0;
            long started = System.nanoTime();
            while (runs < reps) {
                long t0 = System.nanoTime();
                kernel.execute(request);
                ms[runs++] = (System.nanoTime() - t0) / 1e6;
                if (runs >= MIN_TIMED_RUNS && (System.nanoTime() - started) / 1e9 > SECONDS_PER_BACKEND) {
                    break;
                }
            }
            outBuffer.read(result);
            double[] timed = Arrays.copyOf(ms, runs);
            Arrays.sort(timed);
            double best = timed[0];
            double median = runs % 2 == 1 ? timed[runs / 2] : (timed[runs / 2 - 1] + timed[runs / 2]) / 2;
            Tolerance bound = kernel.tolerance(op, x.dtype());
            double maxError = 0;
            long outOfBound = 0;
            for (long i = 0; i < result.size(); i++) {
                double y = result.get(i);
                double r = reference.get(i);
                // Same NaN or same infinity: no error; anything else against a non-finite value: infinite error.
                double e = Double.compare(y, r) == 0 ? 0 : Math.abs(y - r);
                maxError = Math.max(maxError, Double.isNaN(e) ? Double.POSITIVE_INFINITY : e);
                if (!bound.accepts(y, r)) {
                    outOfBound++;
                }
            }
            return new Row(status.name(), device, best, median, bytes / (best * 1e6), maxError, outOfBound, runs, null);
        } catch (RuntimeException e) {
            return new Row(status.name(), device, 0, 0, 0, 0, 0, 0, SoftmaxEngineCli.oneLine(e));
        }
    }

    private static void print(PrintWriter out, List<Row> table, List<String> skipped, String auto) {
        int nameWidth = "backend".length();
        int deviceWidth = "device".length();
        for (Row r : table) {
            nameWidth = Math.max(nameWidth, r.backend().length());
            deviceWidth = Math.max(deviceWidth, r.device().length());
        }
        String head = "%-" + nameWidth + "s  %-" + deviceWidth + "s  %9s  %9s  %8s  %11s  %-12s  %4s%n";
        String line = "%-" + nameWidth + "s  %-" + deviceWidth + "s  %9.2f  %9.2f  %8.2f  %11.2e  %-12s  %4d%n";
        out.println();
        out.printf(Locale.ROOT, head, "backend", "device", "best ms", "median ms", "GB/s", "max abs err", "bound", "runs");
        for (Row r : table) {
            if (r.failure() != null) {
                out.printf(Locale.ROOT, "%-" + nameWidth + "s  failed: %s%n", r.backend(), r.failure());
                continue;
            }
            out.printf(Locale.ROOT, line, r.backend(), r.device(), r.bestMs(), r.medianMs(), r.gbps(), r.maxError(),
                    r.outOfBound() == 0 ? "ok" : r.outOfBound() + " over", r.runs());
        }
        for (String s : skipped) {
            out.println("skipped " + s);
        }
        out.println();
        String requested = Backends.requested();
        out.println("auto chose: " + auto + (requested.equals(Backends.AUTO) ? "" : " (requested: " + requested + ")"));
        out.flush();
    }

    /** What auto resolves to, or why nothing is usable. */
    private static String autoChoice() {
        try {
            return Backends.autoChoice();
        } catch (IllegalStateException e) {
            return "none: " + e.getMessage();
        }
    }
}
