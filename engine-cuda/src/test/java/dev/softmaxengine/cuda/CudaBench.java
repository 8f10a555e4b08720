package dev.softmaxengine.cuda;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * GPU benchmark of the CUDA backend on device-resident buffers, timed with CUDA events like
 * {@code bench/scripts/torch_softmax_bench.py --csv}, whose CSV it reads with {@code --compare}
 * to print time ratios. Results: microseconds per call (median of the repetitions) and the
 * effective bandwidth, bytes read plus bytes written over time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ... dev.softmaxengine.cuda.CudaBench \
 *     [--ops softmax,log-softmax,logsumexp] [--dtypes f32,f64] [--shapes 4096x1024,1024x4096:0,...]
 *     [--reps 7] [--csv FILE] [--compare torch.csv]
 * </pre>
 * A shape is {@code ROWSxCOLS}, reduced over the last axis, or {@code ROWSxCOLS:0} over the first.
 */
public final class CudaBench {
    /** One case per strategy and the classic sizes (OneFlow's and QuACK's softmax tables). */
    static final String DEFAULT_SHAPES = "65536x32,16384x128,8192x512,4096x1024,4096x4096,1024x16384,"
            + "128x65536,16x262144,2x1048576,1x16777216,1024x4096:0";
    static final String HEADER = "impl,op,dtype,shape,dim,us_per_call,gbps";
    /** Each repetition runs about this long, so that event resolution (0.5 us) is negligible. */
    private static final double REP_MILLIS = 25;

    private CudaBench() {
    }

    record Case(Op op, DType dtype, long rows, long cols, int dim) {
        String key() {
            return op.cliName() + "," + LaunchPlan.dtypeName(dtype) + "," + rows + "x" + cols + "," + dim;
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = options(args);
        List<Op> ops = Arrays.stream(opts.getOrDefault("ops", "softmax,log-softmax,logsumexp").split(",")).map(Op::parse).toList();
        List<DType> dtypes = Arrays.stream(opts.getOrDefault("dtypes", "f32,f64").split(",")).map(CudaBench::dtype).toList();
        int reps = Integer.parseInt(opts.getOrDefault("reps", "7"));
        if (reps < 1) {
            throw new IllegalArgumentException("reps must be >= 1, was " + reps);
        }
        List<Case> cases = new ArrayList<>();
        for (String shape : opts.getOrDefault("shapes", DEFAULT_SHAPES).split(",")) {
            String[] s = shape.trim().split(":");
            String[] rc = s[0].split("x");
            if (rc.length != 2 || (s.length == 2 && !s[1].equals("0") && !s[1].equals("-1"))) {
                throw new IllegalArgumentException("shapes must be ROWSxCOLS or ROWSxCOLS:0, was '" + shape + "'");
            }
            int dim = s.length == 2 ? Integer.parseInt(s[1]) : -1;
            for (Op op : ops) {
                for (DType d : dtypes) {
                    cases.add(new Case(op, d, Long.parseLong(rc[0]), Long.parseLong(rc[1]), dim));
                }
            }
        }
        KernelProvider.Probe probe = CudaDriver.probe();
        if (!probe.usable()) {
            System.err.println("cuda bench: cuda is not usable here: " + probe.reason());
            System.exit(2);
        }
        List<String> rows = new ArrayList<>();
        rows.add(HEADER);
        try (CudaSoftmaxKernel kernel = new CudaSoftmaxKernel()) {
            System.out.println("cuda bench on " + kernel.device());
            for (Case c : cases) {
                double us = measure(kernel, c, reps);
                String row = String.format(Locale.ROOT, "softmax-engine-cuda,%s,%.3f,%.1f", c.key(), us, bytes(c) / us / 1e3);
                rows.add(row);
                System.out.println(row);
            }
        }
        if (opts.containsKey("csv")) {
            Files.write(Path.of(opts.get("csv")), rows, StandardCharsets.UTF_8);
        }
        if (opts.containsKey("compare")) {
            compare(rows, Files.readAllLines(Path.of(opts.get("compare")), StandardCharsets.UTF_8), System.out);
        }
    }

    /** Median microseconds per call over {@code reps} repetitions of calls queued back to back. */
    static double measure(CudaSoftmaxKernel kernel, Case c, int reps) {
        long[] shape = {c.rows(), c.cols()};
        long[] outShape = c.op() == Op.LOGSUMEXP ? Shape.of(shape).reduce(c.dim() == 0 ? 0 : 1, false).dims() : shape;
        long size = c.rows() * c.cols();
        try (DeviceBuffer in = kernel.allocate(c.dtype(), size);
             DeviceBuffer out = kernel.allocate(c.dtype(), Shape.of(outShape).size())) {
            in.write(gaussian(c.dtype(), size));
            Tensor x = Tensor.of(in, shape);
            Tensor y = Tensor.of(out, outShape);
            Runnable call = switch (c.op()) {
                case SOFTMAX -> () -> kernel.softmax(x, y, c.dim());
                case LOG_SOFTMAX -> () -> kernel.logSoftmax(x, y, c.dim());
                case LOGSUMEXP -> () -> kernel.logSumExp(x, y, c.dim(), false);
                default -> throw new IllegalArgumentException("bench ops are softmax, log-softmax and logsumexp, was " + c.op());
            };
            // Warm-up: the first call JIT-compiles the module; the next few set the repetition length.
            call.run();
            double once = kernel.streamMillis(() -> {
                for (int i = 0; i < 3; i++) {
                    call.run();
                }
            }) / 3;
            int iters = (int) Math.clamp(Math.ceil(REP_MILLIS / Math.max(once, 1e-3)), 3, 10_000);
            double[] us = new double[reps];
            for (int r = 0; r < reps; r++) {
                us[r] = 1e3 * kernel.streamMillis(() -> {
                    for (int i = 0; i < iters; i++) {
                        call.run();
                    }
                }) / iters;
            }
            Arrays.sort(us);
            return us[reps / 2];
        }
    }

    /** Bytes one call must move at least: the input once, the output once. */
    static double bytes(Case c) {
        long size = c.rows() * c.cols();
        long out = c.op() == Op.LOGSUMEXP ? size / (c.dim() == 0 ? c.rows() : c.cols()) : size;
        return (double) (size + out) * c.dtype().byteSize();
    }

    /** Prints, per case in both files, both times and torch's over ours (above 1: this backend is faster). */
    static void compare(List<String> ours, List<String> torch, PrintStream out) {
        Map<String, Double> theirs = new HashMap<>();
        for (String line : torch) {
            String[] f = line.split(",");
            if (f.length == 7 && !line.equals(HEADER)) {
                theirs.put(String.join(",", f[1], f[2], f[3], f[4]), Double.parseDouble(f[5]));
            }
        }
        out.printf(Locale.ROOT, "%-12s %-4s %-14s %4s %12s %12s %8s%n", "op", "type", "shape", "dim", "cuda us", "torch us", "ratio");
        for (String line : ours) {
            String[] f = line.split(",");
            if (line.equals(HEADER)) {
                continue;
            }
            Double t = theirs.get(String.join(",", f[1], f[2], f[3], f[4]));
            double us = Double.parseDouble(f[5]);
            out.printf(Locale.ROOT, "%-12s %-4s %-14s %4s %12.3f %12s %8s%n", f[1], f[2], f[3], f[4], us,
                    t == null ? "-" : String.format(Locale.ROOT, "%.3f", t),
                    t == null ? "-" : String.format(Locale.ROOT, "%.2f", t / us));
        }
    }

    private static Tensor gaussian(DType dtype, long size) {
        SplittableRandom rnd = new SplittableRandom(42);
        int n = Math.toIntExact(size);
        if (dtype == DType.FLOAT32) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            return Tensor.of(x, n);
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian();
        }
        return Tensor.of(x, n);
    }

    static DType dtype(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.FLOAT32;
            case "f64", "float64" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("dtypes must be f32 or f64, was '" + name + "'");
        };
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("arguments are --name value pairs, got '" + a + "'");
            }
            String name = a.substring(2);
            if (!List.of("ops", "dtypes", "shapes", "reps", "csv", "compare").contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name
                        + "; expected --ops, --dtypes, --shapes, --reps, --csv or --compare");
            }
            m.put(name, args[++i]);
        }
        return m;
    }
}
