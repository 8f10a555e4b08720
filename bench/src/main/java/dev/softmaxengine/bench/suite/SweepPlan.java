package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * What one suite run measures: ops and dtypes over a sweep of row lengths (the softmax axis, the
 * last one), each in two batch sizes. A {@code large} batch has as many rows as make
 * {@code batchBytes} of input, so that input and output together leave the last-level cache and
 * the result is bounded by memory, as the copy ceiling is; a {@code small} batch has
 * {@code smallRows} rows and shows the fixed cost of a call (thread hand-off, kernel launch).
 *
 * @param copyBytes size of each of the two arrays of the copy ceiling (STREAM asks for 4x the
 *     last-level cache)
 * @param threads the host thread counts: of the copy ceilings, the exp roofs and every CPU backend
 *     that takes a thread count (default 1 and all)
 * @param shapes {@code --shapes}: when not empty, these shapes ({@link #CUSTOM}, or {@link #SMALL}
 *     for one row) instead of the two sweeps
 * @param selection the parameters of the top-k and sample cases; null for {@link SelectionParams#DEFAULT}
 */
public record SweepPlan(List<Op> ops, List<DType> dtypes, List<Long> largeCols, List<Long> smallCols, long smallRows,
                        long batchBytes, long copyBytes, Timing timing, boolean quick, List<Integer> threads,
                        List<BenchShape> shapes, SelectionParams selection) {
    public static final String LARGE = "large";
    public static final String SMALL = "small";
    /** A shape given by {@code --shapes}: as many rows as it says, cached or not. */
    public static final String CUSTOM = "custom";
    /** The ops the command measures unless told otherwise. */
    public static final List<Op> DEFAULT_OPS = List.of(Op.SOFTMAX, Op.LOG_SOFTMAX, Op.LOGSUMEXP, Op.SIGMOID);
    public static final long MIB = 1L << 20;

    /**
     * Rows of the logits grid, the sweep of a plan with top-k or sample: a language model's batch of
     * next-token rows (8 to 512) over vocabularies of 32K to 256K entries ({@link #LOGITS_COLS}).
     */
    public static final List<Long> LOGITS_ROWS = List.of(8L, 64L, 512L);
    /** {@code --quick}'s rows of the logits grid: the ends. */
    public static final List<Long> QUICK_LOGITS_ROWS = List.of(8L, 512L);
    public static final List<Long> LOGITS_COLS = List.of(32768L, 131072L, 262144L);

    /** One shape of the sweep. */
    public record Case(String batch, BenchShape shape) {
    }

    public SweepPlan {
        ops = List.copyOf(requireNonEmpty("ops", ops));
        dtypes = List.copyOf(requireNonEmpty("dtypes", dtypes));
        largeCols = List.copyOf(largeCols == null ? List.of() : largeCols);
        smallCols = List.copyOf(smallCols == null ? List.of() : smallCols);
        if (ops.contains(Op.ARGMAX)) {
            throw new IllegalArgumentException("ops must write a float tensor; argmax writes int indices, was " + ops);
        }
        if (largeCols.isEmpty() && smallCols.isEmpty()) {
            throw new IllegalArgumentException("largeCols and smallCols must not both be empty");
        }
        for (long c : largeCols) {
            requirePositive("largeCols", c);
        }
        for (long c : smallCols) {
            requirePositive("smallCols", c);
        }
        requirePositive("smallRows", smallRows);
        requirePositive("batchBytes", batchBytes);
        requirePositive("copyBytes", copyBytes);
        if (timing == null) {
            throw new IllegalArgumentException("timing must not be null");
        }
        threads = List.copyOf(threads == null || threads.isEmpty() ? defaultThreads() : threads);
        for (int t : threads) {
            requirePositive("threads", t);
        }
        threads = List.copyOf(new LinkedHashSet<>(threads));
        shapes = List.copyOf(shapes == null ? List.of() : shapes);
        selection = selection == null ? SelectionParams.DEFAULT : selection;
        if (hasSelection(ops)) {
            for (BenchShape s : shapes) {
                if (ops.contains(Op.TOP_K) && s.cols() < selection.k()) {
                    throw new IllegalArgumentException("k must be at most every shape's row length for top-k: shape " + s
                            + " has " + s.cols() + " columns, k is " + selection.k());
                }
                if (ops.contains(Op.SAMPLE) && s.cols() < selection.topK()) {
                    throw new IllegalArgumentException("top-k must be at most every shape's row length for sample:"
                            + " shape " + s + " has " + s.cols() + " columns, top-k is " + selection.topK());
                }
            }
        }
    }

    /** True when {@code ops} hold top-k or sample, whose sweep is the logits grid. */
    public static boolean hasSelection(List<Op> ops) {
        return ops.contains(Op.TOP_K) || ops.contains(Op.SAMPLE);
    }

    /** At 1 and at all threads, the sweep's default. */
    public SweepPlan(List<Op> ops, List<DType> dtypes, List<Long> largeCols, List<Long> smallCols, long smallRows,
                     long batchBytes, long copyBytes, Timing timing, boolean quick) {
        this(ops, dtypes, largeCols, smallCols, smallRows, batchBytes, copyBytes, timing, quick, null, null, null);
    }

    /** 1 and the processors available to the JVM (one entry on one processor). */
    public static List<Integer> defaultThreads() {
        int all = Runtime.getRuntime().availableProcessors();
        return all > 1 ? List.of(1, all) : List.of(1);
    }

    /** The default sweep: rows of 32 to 1,048,576 elements (every power of 4, and 2^20), 64 MiB batches. */
    public static SweepPlan fullSweep() {
        return new SweepPlan(DEFAULT_OPS, List.of(DType.FLOAT32, DType.FLOAT64),
                List.of(32L, 128L, 512L, 2048L, 8192L, 32768L, 131072L, 524288L, 1048576L),
                List.of(32L, 1024L, 32768L, 1048576L), 1, 64 * MIB, 128 * MIB, Timing.FULL, false);
    }

    /**
     * {@code --quick}: the ends and two midpoints of the sweep, short timing, and 32 MiB batches (64 MiB
     * in and out, still twice a 32 MiB last-level cache), so that the slowest backend's calls stay short.
     */
    public static SweepPlan quickSweep() {
        return new SweepPlan(DEFAULT_OPS, List.of(DType.FLOAT32, DType.FLOAT64),
                List.of(32L, 1024L, 32768L, 1048576L), List.of(32L, 32768L), 1, 32 * MIB, 128 * MIB,
                Timing.QUICK, true);
    }

    public SweepPlan withOps(List<Op> newOps) {
        return new SweepPlan(newOps, dtypes, largeCols, smallCols, smallRows, batchBytes, copyBytes, timing, quick,
                threads, shapes, selection);
    }

    public SweepPlan withDtypes(List<DType> newDtypes) {
        return new SweepPlan(ops, newDtypes, largeCols, smallCols, smallRows, batchBytes, copyBytes, timing, quick,
                threads, shapes, selection);
    }

    public SweepPlan withThreads(List<Integer> newThreads) {
        return new SweepPlan(ops, dtypes, largeCols, smallCols, smallRows, batchBytes, copyBytes, timing, quick,
                newThreads, shapes, selection);
    }

    public SweepPlan withShapes(List<BenchShape> newShapes) {
        return new SweepPlan(ops, dtypes, largeCols, smallCols, smallRows, batchBytes, copyBytes, timing, quick,
                threads, newShapes, selection);
    }

    public SweepPlan withSelection(SelectionParams newSelection) {
        return new SweepPlan(ops, dtypes, largeCols, smallCols, smallRows, batchBytes, copyBytes, timing, quick,
                threads, shapes, newSelection);
    }

    public SweepPlan withTiming(Timing newTiming) {
        return new SweepPlan(ops, dtypes, largeCols, smallCols, smallRows, batchBytes, copyBytes, newTiming, quick,
                threads, shapes, selection);
    }

    /** {@link #fitTo(long, int)} for one contender. */
    public SweepPlan fitTo(long availableBytes) {
        return fitTo(availableBytes, 1);
    }

    /**
     * This plan with batches and copy arrays shrunk to fit {@code availableBytes}: a case holds its
     * input on the host and, since {@code contenders} are sampled in turn, each contender's input and
     * output (ONNX Runtime's twice: a session per op); the ceiling holds two arrays. Returns this
     * plan when it fits.
     */
    public SweepPlan fitTo(long availableBytes, int contenders) {
        requirePositive("availableBytes", availableBytes);
        requirePositive("contenders", contenders);
        long batch = Math.min(batchBytes, availableBytes / (1 + 4L * contenders));
        long copy = Math.min(copyBytes, availableBytes / 2);
        if (batch == batchBytes && copy == copyBytes) {
            return this;
        }
        if (batch < MIB || copy < MIB) {
            throw new IllegalArgumentException("availableBytes must leave room for 1 MiB batches, was " + availableBytes);
        }
        return new SweepPlan(ops, dtypes, largeCols, smallCols, smallRows, batch, copy, timing, quick, threads, shapes,
                selection);
    }

    /**
     * The shapes of {@code dtype}: those of {@code --shapes} as given; else, with top-k or sample among
     * the ops, the logits grid ({@link #LOGITS_ROWS} x {@link #LOGITS_COLS}, {@link #CUSTOM}) for every
     * op of the plan; else large batches first, each series by increasing row length.
     */
    public List<Case> cases(DType dtype) {
        List<Case> cases = new ArrayList<>();
        if (!shapes.isEmpty()) {
            for (BenchShape s : shapes) {
                cases.add(new Case(s.rows() == 1 ? SMALL : CUSTOM, s));
            }
            return cases;
        }
        if (hasSelection(ops)) {
            for (long cols : LOGITS_COLS) {
                for (long rows : quick ? QUICK_LOGITS_ROWS : LOGITS_ROWS) {
                    cases.add(new Case(CUSTOM, new BenchShape(rows, cols)));
                }
            }
            return cases;
        }
        for (long cols : largeCols) {
            long rowBytes = Math.multiplyExact(cols, (long) dtype.byteSize());
            cases.add(new Case(LARGE, new BenchShape(Math.ceilDiv(batchBytes, rowBytes), cols)));
        }
        for (long cols : smallCols) {
            cases.add(new Case(SMALL, new BenchShape(smallRows, cols)));
        }
        return cases;
    }

    /** The name used in reports and on the command line: {@code float32}, {@code float64}. */
    public static String dtypeName(DType dtype) {
        return dtype.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code float32} / {@code float64} / {@code bfloat16} / {@code float16} (also {@code f32},
     * {@code fp64}, {@code bf16}, {@code fp16} and the enum names).
     */
    public static DType parseDtype(String name) {
        if (name == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "float32", "f32", "fp32" -> DType.FLOAT32;
            case "float64", "f64", "fp64" -> DType.FLOAT64;
            case "bfloat16", "bf16" -> DType.BFLOAT16;
            case "float16", "f16", "fp16", "half" -> DType.FLOAT16;
            default -> throw new IllegalArgumentException("dtype must be float32, float64, bfloat16 or float16, was '"
                    + name + "'");
        };
    }

    private static <T> List<T> requireNonEmpty(String name, List<T> list) {
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return list;
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }
}
