package dev.softmaxengine.simd;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.api.spi.HostBuffer;
import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.OpRequest;

/**
 * The Vector API backend: the preferred species (AVX-512 where present), masked tails, a
 * polynomial exp (see {@link VectorMath}), and work split across threads ({@link WorkerPool})
 * above {@link #PARALLEL_THRESHOLD} elements. The row kernels ({@link RowKernels}, generated
 * from one template for float32 / float64 over arrays / native segments, and bfloat16 over native
 * segments) are picked once per request; float16, and bfloat16 in arrays, run through the float32
 * ones in float32 blocks ({@link HalfRows}). Last-axis slices vectorize along the row; other axes
 * vectorize across the inner dimension. Thread-safe, and results are bit-identical whichever threads, batch split or JIT
 * tier computed them. {@link #close()} waits for a call's parallel part in progress and stops the
 * worker threads; calls already past the open check complete (on their own thread), later ones
 * are an {@link IllegalStateException}.
 */
public final class VectorSoftmaxKernel implements KernelBackend {
    /** The backend name, {@code simd}. */
    public static final String NAME = "simd";
    /** System property with the worker thread count (default: available processors). */
    public static final String THREADS_PROPERTY = "softmax.threads";
    /**
     * Below this many elements a call runs on the caller's thread: even a spinning worker's hand-off
     * and the caches it starts cold cost about what 16K elements take on one core.
     */
    static final long PARALLEL_THRESHOLD = 1 << 14;
    /**
     * float32 rows at least this long are cut across the threads when there are fewer rows than threads:
     * a 32K-element float32 row took 8.7 us on one core and 6.3 us in two parts (log-softmax 9.6
     * and 5.2); at 16K the two were even.
     */
    static final long SPLIT_ROW = 1 << 15;

    // Bounds measured by the parity suite against the fp64 oracle, with margin. fp32 inputs are
    // subtracted from the max in fp32, so a logit z = (x - max)/T carries up to |z| * 2^-23
    // absolute error; exp turns it into relative error |z| * 1.2e-7 <= 1.3e-5 for the z > -104
    // that survive in fp32.
    // The parity suite measures (seeded rows spanning the exp range) 0.98, 0.34, 0.2-0.4, 0.97 of
    // the float32 bounds and 0.95, 0.19, 0.3, 0.33 of the float64 ones, and holds each to within 8x.
    private static final Tolerance F32_SOFTMAX = new Tolerance(1.5e-5, 0x1p-126);
    private static final Tolerance F32_LOG_SOFTMAX = new Tolerance(5e-7, 4e-6);
    private static final Tolerance F32_LOGSUMEXP = new Tolerance(2.5e-7, 2e-6);
    private static final Tolerance F32_SIGMOID = new Tolerance(6e-7, 0x1p-126);
    private static final Tolerance F64_SOFTMAX = new Tolerance(1e-14, 0x1p-1022);
    private static final Tolerance F64_LOG_SOFTMAX = new Tolerance(1e-15, 1e-14);
    private static final Tolerance F64_LOGSUMEXP = new Tolerance(5e-16, 2e-15);
    private static final Tolerance F64_SIGMOID = new Tolerance(1e-15, 0x1p-1022);
    private static final Tolerance EXACT = new Tolerance(0, 0);
    private static final Tolerance F32_SAMPLE = new Tolerance(0x1p-23, 1e-14);
    private static final Tolerance F64_SAMPLE = new Tolerance(0x1p-50, 1e-14);

    private final int threads;
    private final WorkerPool workers;
    private volatile boolean closed;

    /** A kernel with {@code softmax.threads} threads, default the available processors. */
    public VectorSoftmaxKernel() {
        this(defaultThreads());
    }

    /** A kernel that uses up to {@code threads} threads per call (the caller's plus threads - 1 workers). */
    public VectorSoftmaxKernel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
        this.workers = threads == 1 ? null : new WorkerPool(threads - 1);
    }

    static int defaultThreads() {
        String p = System.getProperty(THREADS_PROPERTY);
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(p.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(THREADS_PROPERTY + " must be an integer >= 1, was '" + p + "'");
    }

    public int threads() {
        return threads;
    }

    @Override
    public String backend() {
        return NAME;
    }

    @Override
    public String device() {
        return "CPU " + FloatRows.S.vectorBitSize() + "-bit vectors (" + FloatRows.L + " x float32, "
                + DoubleRows.L + " x float64), " + threads + (threads == 1 ? " thread" : " threads");
    }

    @Override
    public Tolerance tolerance(Op op, DType dtype) {
        if (dtype.isHalf()) {
            // Computed in float32 (HalfRows, BFloat16SegmentRows), then rounded once more.
            return tolerance(op, DType.FLOAT32).roundedTo(dtype);
        }
        boolean f32 = dtype == DType.FLOAT32;
        return switch (op) {
            case SOFTMAX -> f32 ? F32_SOFTMAX : F64_SOFTMAX;
            case LOG_SOFTMAX -> f32 ? F32_LOG_SOFTMAX : F64_LOG_SOFTMAX;
            case LOGSUMEXP -> f32 ? F32_LOGSUMEXP : F64_LOGSUMEXP;
            case SIGMOID, LOG_SIGMOID -> f32 ? F32_SIGMOID : F64_SIGMOID;
            case HARDMAX, ARGMAX -> EXACT;
            // Top-k copies values. Sample's log-probabilities are z - log(mass) in fp64, z as the oracle's;
            // without top-k the mass sums vector-exp terms (1 ulp) in lanes: 1e-14 absolute for
            // |log(mass)| <= 22, float32 adding its rounding. With top-k they are the oracle's exactly.
            case TOP_K -> EXACT;
            case SAMPLE -> f32 ? F32_SAMPLE : F64_SAMPLE;
        };
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        requireOpen();
        return new HostBuffer(NAME, dtype, elements);
    }

    @Override
    public void execute(OpRequest r) {
        if (r == null) {
            throw new IllegalArgumentException("request must not be null");
        }
        requireOpen();
        r.requireHost(NAME);
        r.requireAccessible();
        if (r.op() == Op.TOP_K || r.op() == Op.SAMPLE) {
            select(r);
            return;
        }
        boolean argmax = r.op() == Op.ARGMAX;
        if (argmax && r.out() instanceof SegmentTensor) {
            argmaxIntoSegment(r);
            return;
        }
        // Argmax's int array goes with either kind of input.
        boolean arrays = r.in() instanceof ArrayTensor && (argmax || r.out() instanceof ArrayTensor);
        boolean natives = isNative(r.in()) && (argmax || isNative(r.out()));
        if (!arrays && !natives) {
            executeStaged(r);
            return;
        }
        if (r.in().size() == 0) {
            emptyInput(r);
            return;
        }
        boolean strided = !r.op().isElementwise() && r.inner() > 1;
        if (!arrays && strided && r.n() * r.inner() > MAX_STAGED) {
            throw new IllegalArgumentException("in has " + r.n() * r.inner() + " elements per slice along axis "
                    + r.axis() + "; the simd backend handles segment slices of at most " + MAX_STAGED + " elements");
        }
        // A confined arena's segment may only be touched by its owner thread: no workers then.
        boolean shareable = sharedWithWorkers(r.in()) && sharedWithWorkers(r.out());
        boolean parallel = workers != null && shareable && r.in().size() >= PARALLEL_THRESHOLD;
        // bfloat16 in native segments runs the float32 passes over 16-bit loads and stores.
        boolean bf16 = natives && r.dtype() == DType.BFLOAT16;
        if (r.dtype().isHalf() && !bf16) {
            // Long rows stay whole: the split's stored exps would be rounded to the dtype twice.
            WorkerPool.RangeTask half = (a, b) -> HalfRows.run(r, a, b);
            if (parallel) {
                workers.run(HalfRows.units(r), half);
            } else {
                half.run(0, HalfRows.units(r));
            }
            return;
        }
        boolean f32 = r.dtype() != DType.FLOAT64;
        RowKernels k = bf16 ? BFloat16SegmentRows.INSTANCE
                : arrays ? (f32 ? FloatRows.INSTANCE : DoubleRows.INSTANCE)
                : (f32 ? FloatSegmentRows.INSTANCE : DoubleSegmentRows.INSTANCE);
        boolean log = r.op() == Op.LOG_SOFTMAX || r.op() == Op.LOG_SIGMOID;
        // bfloat16 rows stay whole too (see BFloat16SegmentRows.CUT_ROWS).
        // float64 rows stay whole: the merge's second rounded exponent, (m_p - M) / T, costs up to
        // |z| * 2^-53 more, which at T = 0.25 and z near -130 passed the float64 bound (rtol 1e-14).
        if (parallel && f32 && !bf16 && !strided && (r.op() == Op.SOFTMAX || r.op() == Op.LOG_SOFTMAX) && r.outer() < threads
                && r.n() >= SPLIT_ROW) {
            splitRows(k, r, log);
            return;
        }
        WorkerPool.RangeTask task = switch (r.op()) {
            case SOFTMAX, LOG_SOFTMAX -> strided ? (a, b) -> k.softmaxStrided(r, a, b, log) : (a, b) -> k.softmax(r, a, b, log);
            case LOGSUMEXP -> strided ? (a, b) -> k.logSumExpStrided(r, a, b) : (a, b) -> k.logSumExp(r, a, b);
            case HARDMAX -> strided ? (a, b) -> k.hardmaxStrided(r, a, b) : (a, b) -> k.hardmax(r, a, b);
            case ARGMAX -> strided ? (a, b) -> k.argmaxStrided(r, a, b) : (a, b) -> k.argmax(r, a, b);
            case SIGMOID, LOG_SIGMOID -> (a, b) -> k.sigmoid(r, a, b, log);
            case TOP_K, SAMPLE -> throw new AssertionError(r.op());
        };
        long units = r.op().isElementwise() ? r.n() : strided ? k.stridedUnits(r) : r.outer();
        if (parallel) {
            workers.run(units, task);
        } else {
            task.run(0, units);
        }
    }

    /** Top-k and sample ({@link VectorSelection}): slices split across the threads, each computed whole by one. */
    private void select(OpRequest r) {
        if (r.out().size() == 0) {
            return;
        }
        if (r.n() > VectorSelection.MAX_ROW) {
            throw new IllegalArgumentException("in has " + r.n() + " elements along axis " + r.axis() + "; the simd "
                    + r.op().cliName() + " takes slices of at most " + VectorSelection.MAX_ROW);
        }
        boolean topK = r.op() == Op.TOP_K;
        WorkerPool.RangeTask task = topK ? (a, b) -> VectorSelection.topK(r, a, b)
                : (a, b) -> VectorSelection.sample(r, a, b);
        long units = topK ? r.outer() * r.inner() : r.outer();
        boolean shareable = sharedWithWorkers(r.in()) && sharedWithWorkers(r.out())
                && r.secondOut().map(VectorSoftmaxKernel::sharedWithWorkers).orElse(true);
        if (workers != null && shareable && units > 1 && r.in().size() >= PARALLEL_THRESHOLD) {
            workers.run(units, task);
        } else {
            task.run(0, units);
        }
    }

    /**
     * Softmax or log-softmax of fewer rows than threads, each row cut into one part per thread, in
     * one job of one unit per thread, unit p being part p of every row: each thread takes a unit,
     * computes its parts' max and sum of exps, waits until every unit is done, merges each row's
     * parts (the online normalizer's S = sum of s_p * e^((m_p - M) / T)) and scales its own parts,
     * whose exps are still in its cache. A thread holds one unit while it waits, so the units must
     * be no more than the threads that take them (units of (row, part), chunks of one, left two of
     * three rows' units untaken while three threads waited for them: a hang).
     */
    private void splitRows(RowKernels k, OpRequest r, boolean log) {
        int parts = threads;
        int rows = (int) r.outer();
        int units = rows * parts;
        double[] max = new double[units];
        double[] sum = new double[units];
        AtomicInteger measured = new AtomicInteger();
        double invT = 1.0 / r.temperature();
        // Log-softmax stores the exps too (to be overwritten) unless in place, as the row kernels'
        // long rows do: the output's first-write misses then fall in the exp pass.
        boolean store = !log || !r.inPlace();
        workers.run(parts, (a, b) -> {
            try {
                for (long p = a; p < b; p++) {
                    for (int o = 0; o < rows; o++) {
                        long u = (long) o * parts + p;
                        k.splitMaxSum(r, u, u + 1, parts, max, sum, store);
                    }
                }
            } finally {
                measured.addAndGet((int) (b - a));
            }
            for (int spins = 0; measured.get() < parts; spins++) {
                if (spins < 1 << 16) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            double[] factor = new double[units];
            double[] rowMax = new double[rows];
            double[] logSum = new double[rows];
            for (int o = 0; o < rows; o++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int p = 0; p < parts; p++) {
                    m = Math.max(m, max[o * parts + p]);
                }
                double s = 0;
                for (int p = 0; p < parts; p++) {
                    s += sum[o * parts + p] * Math.exp((max[o * parts + p] - m) * invT);
                }
                for (long p = a; p < b; p++) {
                    int u = (int) (o * parts + p);
                    factor[u] = Math.exp((max[u] - m) * invT) / s;
                }
                rowMax[o] = m;
                logSum[o] = Math.log(s);
            }
            for (long p = a; p < b; p++) {
                for (int o = 0; o < rows; o++) {
                    long u = (long) o * parts + p;
                    k.splitFinish(r, u, u + 1, parts, factor, rowMax, logSum, log);
                }
            }
        });
    }

    /**
     * An input with no elements: nothing to compute, whatever the other dimensions (a [10^9, 0]
     * input must not loop over 10^9 empty rows), except that an empty axis has a logsumexp of -inf.
     */
    private static void emptyInput(OpRequest r) {
        if (r.op() != Op.LOGSUMEXP || r.out().size() == 0) {
            return;
        }
        for (long i = 0; i < r.out().size(); i++) {
            r.out().set(i, Double.NEGATIVE_INFINITY);
        }
    }

    private static boolean isNative(Tensor t) {
        return t instanceof SegmentTensor s && s.segment().isNative();
    }

    /** Argmax into an int32 segment: the kernels write an int array, copied over (one int per slice). */
    private void argmaxIntoSegment(OpRequest r) {
        if (r.out().size() > MAX_STAGED) {
            throw new IllegalArgumentException("out has " + r.out().size() + " elements in a segment; the simd backend"
                    + " stages at most " + MAX_STAGED + " argmax indices");
        }
        int[] indices = new int[(int) r.out().size()];
        execute(OpRequest.of(Op.ARGMAX, r.in(), Tensor.of(indices, r.out().shape().dims()), r.axis(), 1.0,
                r.keepdims()));
        MemorySegment.copy(MemorySegment.ofArray(indices), 0, r.out().asHostSegment(), 0,
                (long) indices.length * Integer.BYTES);
    }

    /**
     * Heap segments, or operands of different kinds: copied whole into arrays, run on the array
     * path, copied back. Keeping heap segments away from the native-segment kernels keeps those
     * call sites monomorphic (see FloatSegmentRows).
     */
    private void executeStaged(OpRequest r) {
        if (r.in().size() > MAX_STAGED) {
            throw new IllegalArgumentException("in has " + r.in().size() + " elements in a heap segment or beside "
                    + "an operand of another kind; the simd backend stages at most " + MAX_STAGED);
        }
        Tensor in = toArray(r.in());
        Tensor out = r.inPlace() ? in
                : r.out() instanceof SegmentTensor ? emptyArrayLike(r.out())
                : r.out();
        execute(OpRequest.of(r.op(), in, out, r.axis(), r.temperature(), r.keepdims()));
        if (r.out() instanceof SegmentTensor s) {
            MemorySegment.copy(out.asHostSegment(), 0, s.segment(), 0, s.segment().byteSize());
        }
    }

    private static Tensor toArray(Tensor t) {
        if (!(t instanceof SegmentTensor s)) {
            return t;
        }
        Tensor a = emptyArrayLike(t);
        MemorySegment.copy(s.segment(), 0, a.asHostSegment(), 0, s.segment().byteSize());
        return a;
    }

    private static Tensor emptyArrayLike(Tensor t) {
        int n = Math.toIntExact(t.size());
        long[] dims = t.shape().dims();
        return switch (t.dtype()) {
            case FLOAT32 -> Tensor.of(new float[n], dims);
            case BFLOAT16, FLOAT16 -> Tensor.of(new short[n], t.dtype(), dims);
            default -> Tensor.of(new double[n], dims);
        };
    }

    /** Largest slab (elements along and after the axis) staged from a segment into an array. */
    static final long MAX_STAGED = Integer.MAX_VALUE - 64;

    /** A thread that owns no arena: a segment it may access, any worker may. */
    private static final Thread NOT_AN_OWNER = new Thread(() -> { });

    private static boolean sharedWithWorkers(Tensor t) {
        return !(t instanceof SegmentTensor s) || s.segment().isAccessibleBy(NOT_AN_OWNER);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the simd kernel is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
        if (workers != null) {
            workers.close();
        }
    }

    @Override
    public String toString() {
        return "VectorSoftmaxKernel[" + device() + "]";
    }
}
