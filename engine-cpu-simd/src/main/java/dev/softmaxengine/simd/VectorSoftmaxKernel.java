package dev.softmaxengine.simd;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.HostBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.OpRequest;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;

/**
 * The Vector API backend: the preferred species (AVX-512 where present), masked tails, a
 * polynomial exp (see {@link VectorMath}), and rows split across threads above
 * {@link #PARALLEL_THRESHOLD} elements. Last-axis slices vectorize along the row; other axes
 * vectorize across the inner dimension. Thread-safe; {@link #close()} stops the worker threads.
 */
public final class VectorSoftmaxKernel implements SoftmaxKernel {
    public static final String NAME = "simd";
    /** System property with the worker thread count (default: available processors). */
    public static final String THREADS_PROPERTY = "softmax.threads";
    /**
     * Below this many elements a call runs on the caller's thread: handing work to another core
     * costs a few microseconds, which is what ~64K elements take on one core.
     */
    static final long PARALLEL_THRESHOLD = 1 << 16;
    /** Elements per unit of elementwise work. */
    private static final long ELEMENTWISE_CHUNK = 1 << 14;

    // Bounds measured by the parity suite against the fp64 oracle, with margin. fp32 inputs are
    // subtracted from the max in fp32, so a logit z = (x - max)/T carries up to |z| * 2^-23
    // absolute error; exp turns it into relative error |z| * 1.2e-7 <= 1.3e-5 for the z > -104
    // that survive in fp32.
    private static final Tolerance F32_SOFTMAX = new Tolerance(1.5e-5, 1.2e-38);
    private static final Tolerance F32_LOG_SOFTMAX = new Tolerance(5e-7, 4e-6);
    private static final Tolerance F32_LOGSUMEXP = new Tolerance(5e-7, 2e-6);
    private static final Tolerance F32_SIGMOID = new Tolerance(6e-7, 1.2e-38);
    private static final Tolerance F64_SOFTMAX = new Tolerance(1e-14, 2.3e-308);
    private static final Tolerance F64_LOG_SOFTMAX = new Tolerance(1e-15, 1e-14);
    private static final Tolerance F64_LOGSUMEXP = new Tolerance(1e-15, 1e-14);
    private static final Tolerance F64_SIGMOID = new Tolerance(1e-15, 2.3e-308);
    private static final Tolerance EXACT = new Tolerance(0, 0);

    private final int threads;
    private final ExecutorService workers;

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
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "softmax-simd-worker");
            t.setDaemon(true);
            return t;
        });
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
        boolean f32 = dtype == DType.FLOAT32;
        return switch (op) {
            case SOFTMAX -> f32 ? F32_SOFTMAX : F64_SOFTMAX;
            case LOG_SOFTMAX -> f32 ? F32_LOG_SOFTMAX : F64_LOG_SOFTMAX;
            case LOGSUMEXP -> f32 ? F32_LOGSUMEXP : F64_LOGSUMEXP;
            case SIGMOID, LOG_SIGMOID -> f32 ? F32_SIGMOID : F64_SIGMOID;
            case HARDMAX, ARGMAX -> EXACT;
        };
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        return new HostBuffer(NAME, dtype, elements);
    }

    @Override
    public void execute(OpRequest r) {
        r.requireHost(NAME);
        boolean f32 = r.dtype() == DType.FLOAT32;
        boolean arrays = r.in().storage() != Tensor.Storage.SEGMENT
                && (r.out() == null || r.out().storage() != Tensor.Storage.SEGMENT);
        boolean natives = isNative(r.in()) && (r.out() == null || isNative(r.out()));
        if (!arrays && !natives) {
            executeStaged(r);
            return;
        }
        // A confined arena's segment may only be touched by its owner thread: no workers then.
        boolean shareable = sharedWithWorkers(r.in()) && (r.out() == null || sharedWithWorkers(r.out()));
        if (r.op().isElementwise()) {
            elementwise(r, f32, arrays, shareable);
            return;
        }
        long n = r.n();
        long inner = r.inner();
        long slab = n * inner;
        if (!arrays && slab > MAX_STAGED) {
            throw new IllegalArgumentException("in has " + slab + " elements per slice along axis " + r.axis()
                    + "; the simd backend handles segment slices of at most " + MAX_STAGED + " elements");
        }
        if (!arrays && inner == 1) {
            nativeRows(r, f32, shareable);
            return;
        }
        // Strided slices go in tiles of adjacent slices swept row by row (see FloatRows.TILE).
        int tile = FloatRows.TILE;
        // Arrays split across slices and tiles of the inner dimension; segments copy one whole slab at a time.
        long chunks = inner == 1 ? 1 : (inner + tile - 1) / tile;
        long perOuter = arrays ? chunks : 1;
        parallelFor(r.outer() * perOuter, shareable ? r.in().size() : 0, (from, to) -> {
            Stage st = STAGE.get();
            for (long u = from; u < to; u++) {
                long o = u / perOuter;
                int c0 = arrays ? (int) (u % perOuter) : 0;
                int c1 = arrays ? c0 + 1 : (int) chunks;
                if (arrays) {
                    int base = Math.toIntExact(o * slab);
                    int red = Math.toIntExact(o * inner);
                    if (f32) {
                        slab(r, floats(r.in()), r.out() == null ? null : floats(r.out()), base, red, c0, c1, tile, red, st);
                    } else {
                        slab(r, doubles(r.in()), r.out() == null ? null : doubles(r.out()), base, red, c0, c1, tile, red, st);
                    }
                } else {
                    stagedSlab(r, f32, o, (int) slab, c0, c1, tile, st);
                }
            }
        });
    }

    private static boolean isNative(Tensor t) {
        return t.storage() == Tensor.Storage.SEGMENT && t.segment().isNative();
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
        Tensor out = r.out() == null ? null
                : r.inPlace() ? in
                : r.out().storage() == Tensor.Storage.SEGMENT ? emptyArrayLike(r.out())
                : r.out();
        execute(switch (r.op()) {
            case SOFTMAX, LOG_SOFTMAX -> OpRequest.softmax(r.op() == Op.LOG_SOFTMAX, in, out, r.axis(), r.temperature());
            case LOGSUMEXP -> OpRequest.logSumExp(in, out, r.axis(), r.keepdims());
            case SIGMOID, LOG_SIGMOID -> OpRequest.sigmoid(r.op() == Op.LOG_SIGMOID, in, out);
            case HARDMAX -> OpRequest.hardmax(in, out, r.axis());
            case ARGMAX -> OpRequest.argmax(in, r.indices(), r.axis());
        });
        if (out != null && r.out().storage() == Tensor.Storage.SEGMENT) {
            MemorySegment.copy(segment(out), 0, r.out().segment(), 0, r.out().segment().byteSize());
        }
    }

    private static Tensor toArray(Tensor t) {
        if (t.storage() != Tensor.Storage.SEGMENT) {
            return t;
        }
        Tensor a = emptyArrayLike(t);
        MemorySegment.copy(t.segment(), 0, segment(a), 0, t.segment().byteSize());
        return a;
    }

    private static Tensor emptyArrayLike(Tensor t) {
        int n = Math.toIntExact(t.size());
        long[] dims = t.shape().dims();
        return t.dtype() == DType.FLOAT32 ? Tensor.of(new float[n], dims) : Tensor.of(new double[n], dims);
    }

    /** Last-axis slices of native segment operands, straight from the segments. */
    private void nativeRows(OpRequest r, boolean f32, boolean shareable) {
        MemorySegment in = r.in().segment();
        MemorySegment out = r.out() == null ? null : r.out().segment();
        int n = (int) r.n();
        double invT = 1.0 / r.temperature();
        parallelFor(r.outer(), shareable ? r.in().size() : 0, (from, to) -> {
            for (long o = from; o < to; o++) {
                long base = o * n;
                if (f32) {
                    switch (r.op()) {
                        case SOFTMAX -> FloatSegmentRows.softmaxRow(in, out, base, n, (float) invT, false);
                        case LOG_SOFTMAX -> FloatSegmentRows.softmaxRow(in, out, base, n, (float) invT, true);
                        case LOGSUMEXP -> out.setAtIndex(Tensor.F32, o, (float) FloatSegmentRows.logSumExpRow(in, base, n));
                        case HARDMAX -> FloatSegmentRows.hardmaxRow(in, out, base, n);
                        case ARGMAX -> r.indices()[Math.toIntExact(o)] = FloatSegmentRows.argmaxRow(in, base, n);
                        default -> throw new AssertionError(r.op());
                    }
                } else {
                    switch (r.op()) {
                        case SOFTMAX -> DoubleSegmentRows.softmaxRow(in, out, base, n, invT, false);
                        case LOG_SOFTMAX -> DoubleSegmentRows.softmaxRow(in, out, base, n, invT, true);
                        case LOGSUMEXP -> out.setAtIndex(Tensor.F64, o, DoubleSegmentRows.logSumExpRow(in, base, n));
                        case HARDMAX -> DoubleSegmentRows.hardmaxRow(in, out, base, n);
                        case ARGMAX -> r.indices()[Math.toIntExact(o)] = DoubleSegmentRows.argmaxRow(in, base, n);
                        default -> throw new AssertionError(r.op());
                    }
                }
            }
        });
    }

    /** Largest slab (elements along and after the axis) staged from a segment into an array. */
    static final long MAX_STAGED = Integer.MAX_VALUE - 64;

    /** Per-thread staging arrays for segment tensors, grown on demand and kept. */
    private static final class Stage {
        float[] f = new float[0];
        double[] d = new double[0];
        final FloatRows.Scratch fs = new FloatRows.Scratch();
        final DoubleRows.Scratch ds = new DoubleRows.Scratch();

        float[] floats(int n) {
            if (f.length < n) {
                f = new float[n];
            }
            return f;
        }

        double[] doubles(int n) {
            if (d.length < n) {
                d = new double[n];
            }
            return d;
        }
    }

    private static final ThreadLocal<Stage> STAGE = ThreadLocal.withInitial(Stage::new);

    /**
     * Copies slab o (a strided axis and everything after it) of a segment operand into the stage,
     * computes in place there, copies the result out.
     */
    private static void stagedSlab(OpRequest r, boolean f32, long o, int slab, int c0, int c1, int tile, Stage st) {
        long inner = r.inner();
        MemorySegment in = segment(r.in());
        boolean reduces = r.op() == Op.LOGSUMEXP;
        int redLen = (int) inner;
        if (f32) {
            float[] a = st.floats(slab + (reduces ? redLen : 0));
            MemorySegment.copy(in, Tensor.F32, o * slab * Float.BYTES, a, 0, slab);
            slab(r, a, a, 0, slab, c0, c1, tile, (int) (o * inner), st);
            if (reduces) {
                MemorySegment.copy(a, slab, segment(r.out()), Tensor.F32, o * inner * Float.BYTES, redLen);
            } else if (r.out() != null) {
                MemorySegment.copy(a, 0, segment(r.out()), Tensor.F32, o * slab * Float.BYTES, slab);
            }
        } else {
            double[] a = st.doubles(slab + (reduces ? redLen : 0));
            MemorySegment.copy(in, Tensor.F64, o * slab * Double.BYTES, a, 0, slab);
            slab(r, a, a, 0, slab, c0, c1, tile, (int) (o * inner), st);
            if (reduces) {
                MemorySegment.copy(a, slab, segment(r.out()), Tensor.F64, o * inner * Double.BYTES, redLen);
            } else if (r.out() != null) {
                MemorySegment.copy(a, 0, segment(r.out()), Tensor.F64, o * slab * Double.BYTES, slab);
            }
        }
    }

    /**
     * Lane chunks [c0, c1) of the slab at {@code base}: a whole row when the axis is last. Reductions
     * write logsumexp to out[red + i] and argmax to indices[idx + i].
     */
    private static void slab(OpRequest r, float[] in, float[] out, int base, int red, int c0, int c1, int tile, int idx,
                             Stage st) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        float invT = (float) (1.0 / r.temperature());
        if (inner == 1) {
            switch (r.op()) {
                case SOFTMAX -> FloatRows.softmaxRow(in, out, base, n, invT, false);
                case LOG_SOFTMAX -> FloatRows.softmaxRow(in, out, base, n, invT, true);
                case LOGSUMEXP -> out[red] = (float) FloatRows.logSumExpRow(in, base, n);
                case HARDMAX -> FloatRows.hardmaxRow(in, out, base, n);
                case ARGMAX -> r.indices()[idx] = FloatRows.argmaxRow(in, base, n);
                default -> throw new AssertionError(r.op());
            }
            return;
        }
        for (int c = c0; c < c1; c++) {
            int i0 = c * tile;
            int width = Math.min(tile, inner - i0);
            switch (r.op()) {
                case SOFTMAX -> FloatRows.softmaxStrided(in, out, base + i0, n, inner, width, invT, false, st.fs);
                case LOG_SOFTMAX -> FloatRows.softmaxStrided(in, out, base + i0, n, inner, width, invT, true, st.fs);
                case LOGSUMEXP -> FloatRows.logSumExpStrided(in, out, base + i0, n, inner, width, red + i0, st.fs);
                case HARDMAX -> FloatRows.hardmaxStrided(in, out, base + i0, n, inner, width, st.fs);
                case ARGMAX -> {
                    FloatRows.argmaxStrided(in, base + i0, n, inner, width, st.fs);
                    System.arraycopy(st.fs.idx, 0, r.indices(), idx + i0, width);
                }
                default -> throw new AssertionError(r.op());
            }
        }
    }

    /** The float64 twin of the slab method above. */
    private static void slab(OpRequest r, double[] in, double[] out, int base, int red, int c0, int c1, int tile, int idx,
                             Stage st) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        double invT = 1.0 / r.temperature();
        if (inner == 1) {
            switch (r.op()) {
                case SOFTMAX -> DoubleRows.softmaxRow(in, out, base, n, invT, false);
                case LOG_SOFTMAX -> DoubleRows.softmaxRow(in, out, base, n, invT, true);
                case LOGSUMEXP -> out[red] = DoubleRows.logSumExpRow(in, base, n);
                case HARDMAX -> DoubleRows.hardmaxRow(in, out, base, n);
                case ARGMAX -> r.indices()[idx] = DoubleRows.argmaxRow(in, base, n);
                default -> throw new AssertionError(r.op());
            }
            return;
        }
        for (int c = c0; c < c1; c++) {
            int i0 = c * tile;
            int width = Math.min(tile, inner - i0);
            switch (r.op()) {
                case SOFTMAX -> DoubleRows.softmaxStrided(in, out, base + i0, n, inner, width, invT, false, st.ds);
                case LOG_SOFTMAX -> DoubleRows.softmaxStrided(in, out, base + i0, n, inner, width, invT, true, st.ds);
                case LOGSUMEXP -> DoubleRows.logSumExpStrided(in, out, base + i0, n, inner, width, red + i0, st.ds);
                case HARDMAX -> DoubleRows.hardmaxStrided(in, out, base + i0, n, inner, width, st.ds);
                case ARGMAX -> {
                    DoubleRows.argmaxStrided(in, base + i0, n, inner, width, st.ds);
                    System.arraycopy(st.ds.idx, 0, r.indices(), idx + i0, width);
                }
                default -> throw new AssertionError(r.op());
            }
        }
    }

    private void elementwise(OpRequest r, boolean f32, boolean arrays, boolean shareable) {
        long size = r.n();
        long chunks = (size + ELEMENTWISE_CHUNK - 1) / ELEMENTWISE_CHUNK;
        boolean log = r.op() == Op.LOG_SIGMOID;
        parallelFor(chunks, shareable ? size : 0, (from, to) -> {
            long a = from * ELEMENTWISE_CHUNK;
            long b = Math.min(size, to * ELEMENTWISE_CHUNK);
            if (arrays && f32) {
                FloatRows.sigmoid(floats(r.in()), floats(r.out()), (int) a, (int) b, log);
            } else if (arrays) {
                DoubleRows.sigmoid(doubles(r.in()), doubles(r.out()), (int) a, (int) b, log);
            } else if (f32) {
                FloatSegmentRows.sigmoid(r.in().segment(), r.out().segment(), a, b, log);
            } else {
                DoubleSegmentRows.sigmoid(r.in().segment(), r.out().segment(), a, b, log);
            }
        });
    }

    /** A thread that owns no arena: a segment it may access, any worker may. */
    private static final Thread NOT_AN_OWNER = new Thread(() -> { });

    private static boolean sharedWithWorkers(Tensor t) {
        return t.storage() != Tensor.Storage.SEGMENT || t.segment().isAccessibleBy(NOT_AN_OWNER);
    }

    private static float[] floats(Tensor t) {
        return t.floatArray();
    }

    private static double[] doubles(Tensor t) {
        return t.doubleArray();
    }

    /** A segment view of a host operand; arrays become heap segments (used when the other operand is a segment). */
    private static MemorySegment segment(Tensor t) {
        return switch (t.storage()) {
            case FLOAT_ARRAY -> MemorySegment.ofArray(t.floatArray());
            case DOUBLE_ARRAY -> MemorySegment.ofArray(t.doubleArray());
            case SEGMENT -> t.segment();
            case DEVICE -> throw new AssertionError("rejected by requireHost");
        };
    }

    @FunctionalInterface
    private interface RangeTask {
        void run(long from, long to);
    }

    /**
     * Runs task over [0, units) in up to {@code threads} contiguous parts, one on the caller's
     * thread; on the caller's thread alone when {@code elements} is below the threshold.
     */
    private void parallelFor(long units, long elements, RangeTask task) {
        int parts = (int) Math.min(threads, units);
        if (workers == null || parts < 2 || elements < PARALLEL_THRESHOLD) {
            task.run(0, units);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            long from = units * p / parts;
            long to = units * (p + 1) / parts;
            futures.add(workers.submit(() -> task.run(from, to)));
        }
        Throwable failure = null;
        try {
            task.run(0, units / parts);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure == null ? e : failure;
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("simd worker interrupted", failure);
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdown();
        }
    }

    @Override
    public String toString() {
        return "VectorSoftmaxKernel[" + device() + "]";
    }
}
