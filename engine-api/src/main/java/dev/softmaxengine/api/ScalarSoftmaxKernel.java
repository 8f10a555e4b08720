package dev.softmaxengine.api;

import dev.softmaxengine.api.spi.HostBuffer;
import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.spi.Philox;
import dev.softmaxengine.api.spi.Selection;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The reference kernel and oracle: one element at a time, every sum and transcendental in fp64,
 * results rounded once to the output dtype (bfloat16 and float16 too: read exactly, written to
 * nearest even). It defines the semantics documented on
 * {@link SoftmaxKernel}; every other backend is tested against it. Stateless and thread-safe.
 */
public final class ScalarSoftmaxKernel implements KernelBackend {
    /** The backend name, {@code scalar}. */
    public static final String NAME = "scalar";

    // fp64 results rounded once to float32: half an ulp, and subnormals below 2^-149 flush to 0.
    private static final Tolerance FLOAT32 = new Tolerance(0x1p-24, 0x1p-149);
    private static final Tolerance FLOAT64 = new Tolerance(0, 0);
    // bfloat16 / float16: the same single rounding, u = 2^-8 / 2^-11; half the subnormal spacing near 0.
    private static final Tolerance BFLOAT16 = new Tolerance(0x1p-8, 0x1p-134);
    private static final Tolerance FLOAT16 = new Tolerance(0x1p-11, 0x1p-25);

    /**
     * Creates a kernel. It holds no resources, so closing it is optional; {@link Backends#create(String)}
     * with {@code "scalar"} is the usual way to get one.
     */
    public ScalarSoftmaxKernel() {
    }

    @Override
    public String backend() {
        return NAME;
    }

    @Override
    public String device() {
        return "CPU, one thread, fp64 accumulation";
    }

    @Override
    public Tolerance tolerance(Op op, DType dtype) {
        // Top-k copies values: exact in every dtype.
        if (op == Op.TOP_K) {
            return FLOAT64;
        }
        return switch (dtype) {
            case FLOAT32 -> FLOAT32;
            case BFLOAT16 -> BFLOAT16;
            case FLOAT16 -> FLOAT16;
            default -> FLOAT64;
        };
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        return new HostBuffer(NAME, dtype, elements);
    }

    /** Stateless: nothing to release, and calls after close still work. */
    @Override
    public void close() {
    }

    @Override
    public void execute(OpRequest r) {
        if (r == null) {
            throw new IllegalArgumentException("request must not be null");
        }
        r.requireHost(NAME);
        r.requireAccessible();
        Tensor in = r.in();
        Tensor out = r.out();
        // Nothing to write: return before looping over outer * inner empty slices, which a shape
        // like (2^40, 0) makes a loop of hours.
        if (out.size() == 0) {
            return;
        }
        long n = r.n();
        long inner = r.inner();
        if (r.op() == Op.TOP_K || r.op() == Op.SAMPLE) {
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("in has " + n + " elements along the axis; the scalar " + r.op().cliName()
                        + " sorts rows of at most " + (Integer.MAX_VALUE - 8));
            }
            for (long o = 0; o < r.outer(); o++) {
                for (long i = 0; i < inner; i++) {
                    long base = o * n * inner + i;
                    if (r.op() == Op.TOP_K) {
                        topK(in, base, inner, (int) n, r, o * r.k() * inner + i);
                    } else {
                        sample(in, base, (int) n, r, o);
                    }
                }
            }
            return;
        }
        for (long o = 0; o < r.outer(); o++) {
            for (long i = 0; i < inner; i++) {
                long base = o * n * inner + i;
                switch (r.op()) {
                    case SOFTMAX -> softmax(in, out, base, inner, n, 1.0 / r.temperature(), false);
                    case LOG_SOFTMAX -> softmax(in, out, base, inner, n, 1.0 / r.temperature(), true);
                    case LOGSUMEXP -> out.set(o * inner + i, logSumExp(in, base, inner, n));
                    case SIGMOID -> {
                        for (long k = 0; k < n; k++) {
                            out.set(k, sigmoid(in.get(k)));
                        }
                    }
                    case LOG_SIGMOID -> {
                        for (long k = 0; k < n; k++) {
                            out.set(k, logSigmoid(in.get(k)));
                        }
                    }
                    case HARDMAX -> {
                        long best = argmax(in, base, inner, n);
                        for (long k = 0; k < n; k++) {
                            out.set(base + k * inner, k == best ? 1.0 : 0.0);
                        }
                    }
                    case ARGMAX -> out.set(o * inner + i, argmax(in, base, inner, n));
                    case TOP_K, SAMPLE -> throw new AssertionError(r.op());
                }
            }
        }
    }

    private static void softmax(Tensor in, Tensor out, long base, long stride, long n, double invT, boolean log) {
        double max = Double.NEGATIVE_INFINITY;
        boolean nan = false;
        for (long k = 0; k < n; k++) {
            double x = in.get(base + k * stride);
            if (x > max) {
                max = x;
            } else if (x != x) {
                nan = true;
            }
        }
        // NaN anywhere, a +inf, or only -inf: PyTorch's softmax gives NaN for the whole slice.
        if (n > 0 && (nan || Double.isInfinite(max))) {
            for (long k = 0; k < n; k++) {
                out.set(base + k * stride, Double.NaN);
            }
            return;
        }
        Sum terms = new Sum();
        for (long k = 0; k < n; k++) {
            terms.add(Math.exp(scaled(in.get(base + k * stride), max, invT)));
        }
        double sum = terms.value();
        double logSum = Math.log(sum);
        for (long k = 0; k < n; k++) {
            long idx = base + k * stride;
            double z = scaled(in.get(idx), max, invT);
            out.set(idx, log ? z - logSum : Math.exp(z) / sum);
        }
    }

    /**
     * (x - max) / T. The difference of two finite fp64 values of opposite sign can overflow although
     * the scaled result is finite (T > 1); then scaling each first keeps it exact to rounding.
     */
    private static double scaled(double x, double max, double invT) {
        double d = x - max;
        return Double.isInfinite(d) && !Double.isInfinite(x) ? x * invT - max * invT : d * invT;
    }

    private static double logSumExp(Tensor in, long base, long stride, long n) {
        double max = Double.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            double x = in.get(base + k * stride);
            if (x != x) {
                return Double.NaN;
            }
            max = Math.max(max, x);
        }
        // Empty or all -inf: -inf (ONNX ReduceLogSumExp); any +inf: +inf (torch.logsumexp).
        if (Double.isInfinite(max)) {
            return max;
        }
        Sum sum = new Sum();
        for (long k = 0; k < n; k++) {
            sum.add(Math.exp(in.get(base + k * stride) - max));
        }
        return max + Math.log(sum.value());
    }

    /**
     * Neumaier's compensated sum: the oracle's sums are exact to about one rounding whatever the
     * row length, so backends are measured against the true value rather than against its
     * accumulated rounding (naive fp64 summation over 1M terms drifts by ~1e-13).
     */
    private static final class Sum {
        private double sum;
        private double compensation;

        void add(double x) {
            double t = sum + x;
            compensation += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
        }

        double value() {
            return sum + compensation;
        }
    }

    /** The slice's indices, ranked: by {@link Selection#key} descending, then index ascending (a full sort). */
    private static Integer[] ranked(double[] x) {
        long[] keys = new long[x.length];
        Integer[] order = new Integer[x.length];
        for (int k = 0; k < x.length; k++) {
            keys[k] = Selection.key(x[k]);
            order[k] = k;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(k -> keys[k]).reversed().thenComparingInt(k -> k));
        return order;
    }

    private static double[] slice(Tensor in, long base, long stride, int n) {
        double[] x = new double[n];
        for (int k = 0; k < n; k++) {
            x[k] = in.get(base + k * stride);
        }
        return x;
    }

    private static void topK(Tensor in, long base, long stride, int n, OpRequest r, long outBase) {
        double[] x = slice(in, base, stride, n);
        Integer[] order = ranked(x);
        Tensor indices = r.secondOut().orElseThrow();
        boolean half = in.dtype().isHalf();
        for (int j = 0; j < r.k(); j++) {
            long to = outBase + j * stride;
            if (half) {
                // The element's own bits: rounding its widened value back would quiet a signaling NaN.
                r.out().asHostSegment().setAtIndex(Tensor.I16, to,
                        in.asHostSegment().getAtIndex(Tensor.I16, base + order[j] * stride));
            } else {
                r.out().set(to, x[order[j]]);
            }
            indices.set(to, order[j]);
        }
    }

    /** One draw by {@link Selection}'s rules, from a full sort of the row. */
    private static void sample(Tensor in, long base, int n, OpRequest r, long row) {
        Sampling s = r.sampling();
        double[] x = slice(in, base, 1, n);
        int drawn = -1;
        double logProb = Double.NaN;
        boolean nan = false;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            nan |= v != v;
            max = Math.max(max, v);
        }
        if (!nan && s.temperature() == 0) {
            drawn = (int) argmax(in, base, 1, n);
            logProb = 0;
        } else if (!nan && !Double.isInfinite(max)) {
            double t = s.temperature();
            Integer[] order = ranked(x);
            double[] p = new double[n];
            for (int k = 0; k < n; k++) {
                p[k] = StrictMath.exp((x[k] - max) / t);
            }
            int topK = s.topK() == 0 ? n : s.topK();
            double massK = 0;
            for (int j = 0; j < topK; j++) {
                massK += p[order[j]];
            }
            double target = (s.topP() - Selection.SLACK) * massK;
            double least = s.minP() * (1 - Selection.SLACK);
            boolean[] kept = new boolean[n];
            double cum = 0;
            for (int j = 0; j < topK && p[order[j]] >= least; j++) {
                kept[order[j]] = true;
                cum += p[order[j]];
                if (s.topP() < 1 && cum >= target) {
                    break;
                }
            }
            // Compensated, so that the log-probability is within a few ulp whatever the row length.
            Sum keptMass = new Sum();
            for (int k = 0; k < n; k++) {
                if (kept[k]) {
                    keptMass.add(p[k]);
                }
            }
            double mass = keptMass.value();
            double threshold = Philox.uniform(s.seed(), row) * mass;
            double run = 0;
            for (int k = 0; k < n; k++) {
                if (kept[k] && p[k] > 0) {
                    run += p[k];
                    drawn = k;
                    if (run > threshold) {
                        break;
                    }
                }
            }
            logProb = (x[drawn] - max) / t - StrictMath.log(mass);
        }
        r.out().set(row, drawn);
        if (r.secondOut().isPresent()) {
            r.secondOut().get().set(row, logProb);
        }
    }

    /** First index of the maximum; the first NaN counts as the maximum (numpy / torch argmax). */
    private static long argmax(Tensor in, long base, long stride, long n) {
        long best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (long k = 0; k < n; k++) {
            double x = in.get(base + k * stride);
            if (x != x) {
                return k;
            }
            if (k == 0 || x > bestValue) {
                best = k;
                bestValue = x;
            }
        }
        return best;
    }

    /**
     * 1 / (1 + e^-x) without overflow: e^x / (1 + e^x) for negative x.
     *
     * @param x any value; NaN gives NaN, +-infinity give 1 and 0
     * @return the sigmoid, in [0, 1]
     */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /**
     * log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), exact for large |x| in both directions.
     *
     * @param x any value; NaN gives NaN, +infinity gives 0 and -infinity gives -infinity
     * @return the log-sigmoid, in [-infinity, 0]
     */
    public static double logSigmoid(double x) {
        return Math.min(x, 0.0) - Math.log1p(Math.exp(-Math.abs(x)));
    }
}
