// GENERATED from engine-cpu-simd/src/template/Rows.java.template by Spp.java: edit the template,
// then run `java engine-cpu-simd/src/template/Spp.java --write` from the repository root.
package dev.softmaxengine.simd;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.OpRequest;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float64 row kernels over arrays (see {@link RowKernels}). Contiguous rows ("row" methods)
 * vectorize along the row; strided slices ("strided" methods) vectorize across the inner
 * dimension, one lane per slice, so a non-last axis costs the same passes as the last one.
 *
 * <p>Numerics: the max ignores NaN (compare-and-blend), so a NaN reaches the sum through exp and
 * poisons the slice; +inf or all -inf slices become NaN through inf - inf, as in PyTorch.
 * Sums run in fp64 vectors over blocks of {@link #BLOCK} elements folded into an fp64 total.
 *
 * <p>C2 notes: loops keep int induction variables; every root holds one exp call site at most
 * (see "C2's budget" at the contiguous rows); tails use unmasked compares and tests combined with
 * {@code .and(mask)}, because the masked overloads are not intrinsified (they run the Java
 * fallback, ~4x slower per row with a ragged tail).
 */
final class DoubleRows implements RowKernels {
    static final DoubleRows INSTANCE = new DoubleRows();

    private DoubleRows() {
    }

    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elements summed per vector accumulator before the partial sum is folded into fp64. */
    static final int BLOCK = 1024;

    // ---- memory access: the only lines that differ between arrays and segments ----

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(S, a, i);
    }

    private static DoubleVector ld(double[] a, int i, VectorMask<Double> k) {
        return DoubleVector.fromArray(S, a, i, k);
    }

    private static void st(DoubleVector v, double[] a, int i) {
        v.intoArray(a, i);
    }

    private static void st(DoubleVector v, double[] a, int i, VectorMask<Double> k) {
        v.intoArray(a, i, k);
    }

    private static void set(double[] a, int i, double v) {
        a[i] = v;
    }

    private static void zero(double[] a, int from, int to) {
        Arrays.fill(a, from, to, 0);
    }

    private static int length(double[] a) {
        return a.length;
    }

    /** a[from, from + count) into stage[0, count). */
    private static void copyOut(double[] a, int from, double[] stage, int count) {
        System.arraycopy(a, from, stage, 0, count);
    }

    /** stage[0, count) into a[from, from + count). */
    private static void copyIn(double[] stage, double[] a, int from, int count) {
        System.arraycopy(stage, 0, a, from, count);
    }

    /** The array of an array operand (the array variant only gets arrays). */
    private static double[] array(Tensor t) {
        return ((ArrayTensor) t).doubles();
    }

    // ---- row ranges (the RowKernels entry points) ----

    /** Argmax's output: VectorSoftmaxKernel hands the kernels an int array. */
    private static int[] indices(OpRequest r) {
        return ((ArrayTensor) r.out()).ints();
    }

    /** Rows [first, first + rows) of a range, row j at base + j * n of in (and of out). */
    @FunctionalInterface
    private interface RowBlock {
        void rows(double[] in, double[] out, long first, int rows, int base);
    }

    /**
     * Runs body over rows [from, to) of the request's last axis: in one block over the arrays,
     * or over slices of at most {@link #CHUNK} elements (see the class comment) of the segments.
     * {@code out} is null unless {@code writes}.
     */
    private static void forRowBlocks(OpRequest r, long from, long to, boolean writes, RowBlock body) {
        body.rows(array(r.in()), writes ? array(r.out()) : null, from, (int) (to - from),
                Math.toIntExact(from * r.n()));
    }

    /** A reduced output: out[index] = v. */
    private static void putReduced(OpRequest r, long index, double v) {
        array(r.out())[(int) index] = (double) v;
    }

    @Override
    public void softmax(OpRequest r, long from, long to, boolean log) {
        int n = (int) r.n();
        double invT = (double) (1.0 / r.temperature());
        if (n == 0) {
            return;
        }
        forRowBlocks(r, from, to, true, (in, out, first, rows, base) ->
                rowGroups(log ? RowOp.LOG_SOFTMAX : RowOp.SOFTMAX, in, out, base, n, rows, invT, null, 0));
    }

    /** Rows per call of {@link #rowGroups} in logsumexp: the size of its results buffer. */
    private static final int LSE_ROWS = 4096;

    @Override
    public void logSumExp(OpRequest r, long from, long to) {
        int n = (int) r.n();
        if (n == 0) {
            for (long row = from; row < to; row++) {
                putReduced(r, row, Double.NEGATIVE_INFINITY);
            }
            return;
        }
        double[] lse = new double[(int) Math.min(to - from, LSE_ROWS)];
        forRowBlocks(r, from, to, false, (in, out, first, rows, base) -> {
            for (int j = 0; j < rows; j += LSE_ROWS) {
                int count = Math.min(LSE_ROWS, rows - j);
                rowGroups(RowOp.LOG_SUM_EXP, in, null, base + j * n, n, count, 1, lse, 0);
                for (int q = 0; q < count; q++) {
                    putReduced(r, first + j + q, lse[q]);
                }
            }
        });
    }

    @Override
    public void argmax(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int[] indices = indices(r);
        forRowBlocks(r, from, to, false, (in, out, first, rows, base) -> {
            for (int j = 0; j < rows; j++) {
                indices[(int) (first + j)] = argmaxRow(in, base + j * n, n);
            }
        });
    }

    @Override
    public void hardmax(OpRequest r, long from, long to) {
        int n = (int) r.n();
        forRowBlocks(r, from, to, true, (in, out, first, rows, base) -> {
            for (int j = 0; j < rows; j++) {
                hardmaxRow(in, out, base + j * n, n);
            }
        });
    }

    @Override
    public void sigmoid(OpRequest r, long from, long to, boolean log) {
        sigmoid(array(r.in()), array(r.out()), (int) from, (int) to, log);
    }

    // ---- rows split across threads (fewer rows than threads): each row cut into parts ----

    /** Elements per part of a row of n cut into {@code parts}: whole vectors, so only the last part has a tail. */
    static int partLength(int n, int parts) {
        int part = (n + parts - 1) / parts;
        return (part + L - 1) / L * L;
    }

    /** Part u of a cut row: its elements at base .. base + len of in (and out), the part of row u / parts. */
    @FunctionalInterface
    private interface RowPart {
        void part(double[] in, double[] out, int base, int len, int u);
    }

    /** Runs body over parts [from, to) of rows cut into {@code parts}; parts past a row's end are skipped. */
    private static void forParts(OpRequest r, long from, long to, int parts, boolean writes, RowPart body) {
        int n = (int) r.n();
        int part = partLength(n, parts);
        for (long u = from; u < to; u++) {
            long o = u / parts;
            int c0 = (int) (u % parts) * part;
            int len = Math.min(part, n - c0);
            if (len <= 0) {
                continue;
            }
            body.part(array(r.in()), writes ? array(r.out()) : null, Math.toIntExact(o * n + c0), len,
                    (int) u);
        }
    }

    @Override
    public void splitMaxSum(OpRequest r, long from, long to, int parts, double[] max, double[] sum, boolean store) {
        double invT = (double) (1.0 / r.temperature());
        // Parts past a row's end (none hold elements) stay at max -inf and sum 0.
        for (long u = from; u < to; u++) {
            max[(int) u] = Double.NEGATIVE_INFINITY;
            sum[(int) u] = 0;
        }
        Group g = new Group(1);
        forParts(r, from, to, parts, store, (in, out, base, len, u) -> {
            g.set(in, store ? out : null, base, len, 1, invT);
            if (fits(g)) {
                partMaxSum(g);
                max[u] = g.max[0];
                sum[u] = g.sum[0];
            } else {
                double[] stage = new double[span(len)];
                copyOut(in, base, stage, len);
                DoubleRows.Group a = new DoubleRows.Group(1);
                a.set(stage, store ? stage : null, 0, len, 1, invT);
                DoubleRows.partMaxSum(a);
                max[u] = a.max[0];
                sum[u] = a.sum[0];
                if (store) {
                    copyIn(stage, out, base, len);
                }
            }
        });
    }

    @Override
    public void splitFinish(OpRequest r, long from, long to, int parts, double[] factor, double[] rowMax,
                            double[] logSum, boolean log) {
        double invT = (double) (1.0 / r.temperature());
        Group g = new Group(1);
        forParts(r, from, to, parts, true, (in, out, base, len, u) -> {
            double m = (double) rowMax[u / parts];
            double f = (double) (log ? logSum[u / parts] : factor[u]);
            g.set(in, out, base, len, 1, invT);
            if (fits(g)) {
                g.max[0] = m;
                g.factor[0] = f;
                runPass(log ? LOG_NORMALIZE : SCALE, g);
            } else {
                // Log-softmax reads in, softmax scales the exps already in out.
                double[] stage = new double[span(len)];
                copyOut(log ? in : out, base, stage, len);
                DoubleRows.Group a = new DoubleRows.Group(1);
                a.set(stage, stage, 0, len, 1, invT);
                a.max[0] = m;
                a.factor[0] = f;
                DoubleRows.finishPart(a, log);
                copyIn(stage, out, base, len);
            }
        });
    }

    // ---- contiguous rows ----
    //
    // C2's budget: C2 stops inlining a compiled root's calls once parsing it has made 18,000 nodes
    // (NodeCountInliningCutoff, fixed in product JVMs). The Vector API's own methods are still
    // inlined late, but the calls of ours left (ld, st, the exp) stay out of line with their vectors
    // boxed: 3-30x slower (rows of 10 floats ran at 1.9 GB/s). A Vector API op costs about 430
    // parse nodes, an exp about 10,000. So the passes below are roots of their own (see PASSES),
    // each with one exp call site at most; tails run the loop's own body under a mask rather than
    // a second copy of it; loads are whole vectors (a masked load costs three times the nodes and
    // ran 3x slower), so rows that end a buffer are staged. (Static final vector constants cost
    // fewer nodes, but C2 reloads them at every use: the float exp ran at half speed.)
    // InliningTest fails when a root of the simd package overflows again.

    /**
     * Bytes of a group of short rows (rounded up to whole blocks of L rows, the unit of their
     * trees) and of long rows (at least one row): the group stays in L1 between its passes, and its
     * method-handle calls (about 10 ns each) are spread over enough work. Measured against 1 to
     * 32 KB on rows of 32 and 1,000 floats; short rows again with their straight passes, rows of 32
     * floats from memory: 11.3, 14.6, 15.6, 13.4 and 13.5 GB/s at 2, 4, 8, 16 and 32 KB.
     */
    private static final int GROUP_BYTES = 8 * 1024;
    private static final int LONG_GROUP_BYTES = 8 * 1024;

    /**
     * A group of rows [base, base + rows * n) of in (and out) and what each pass leaves for the
     * next: the rows' maxes, sums of exps, and scale factors (softmax) or log-sums (log-softmax).
     * The rows' whole vectors must lie inside both buffers ({@link #rowGroups} stages the rest): the
     * passes load whole vectors, reading past a ragged row's end, and mask only their stores (a
     * masked load costs C2 three times the parse nodes and ran 3x slower).
     */
    static final class Group {
        double[] in;
        double[] out;
        int base;
        int n;
        int rows;
        double invT;
        /** Whether the exp pass writes the exps into out (softmax's numerators). */
        boolean store;
        /**
         * What the short rows' sum tree leaves: the sums, or the factors 1 / sum or log(sum). With
         * reciprocals (softmax) it goes on to scale the exps: one pass call fewer.
         */
        int finish;
        final double[] max;
        final double[] sum;
        final double[] factor;
        /** Row j's lane-wise sum of exps at [j * L, (j + 1) * L), reduced by {@link #reduceSums}. */
        final double[] partials;
        /**
         * Short rows: row j's lane-wise max, then its lane-wise sum of exps, at [j * L, (j + 1) * L),
         * reduced L rows at a time by {@link #maxTree} and {@link #sumTreePass}.
         */
        final double[] lanes;

        Group(int capacity) {
            // Whole blocks of L rows for the short rows' trees.
            capacity = (capacity + L - 1) / L * L;
            lanes = new double[capacity * L];
            max = new double[capacity];
            sum = new double[capacity];
            factor = new double[capacity];
            partials = new double[capacity * L];
        }

        void set(double[] in, double[] out, int base, int n, int rows, double invT) {
            this.in = in;
            this.out = out;
            this.base = base;
            this.n = n;
            this.rows = rows;
            this.invT = invT;
        }
    }

    /** Where g's exp pass leaves the exps for its scale pass (out itself, but for bfloat16). */
    private static double[] exps(Group g) {
        return g.out;
    }

    /**
     * The passes over a group's rows, by index into {@link #PASSES}. Each is called through a
     * method handle read from an array, which C2 never inlines (its receiver is not a constant),
     * so each pass is a compiled root of its own and no root holds more than one exp (see the C2
     * budget above). A megamorphic virtual call would cost less, but C2 still inlines one of its
     * receivers whenever the profile happens to show two; the handle's call costs about 10 ns a
     * group.
     */
    private static final int MAX = 0;
    private static final int EXP = 1;
    private static final int SCALE = 2;
    private static final int LOG_NORMALIZE = 3;
    /**
     * Rows of at most this many elements take the short-row passes, methods of their own so that
     * C2's profiles of short and long rows (loop trip counts, branches taken) stay apart: shared,
     * rows of 1,024 run after rows of 32 went at half speed.
     */
    static final int SHORT_ROW = 4 * L;
    private static final MethodHandle[] PASSES = passes("maxPass", "expPass", "scalePass", "logNormalizePass",
            "shortMaxPass", "shortExpPass", "shortScalePass", "shortLogNormalizePass", "sumTreePass", "sumTreeScalePass"
            );
    private static final int SUM_TREE = 8;
    private static final int SUM_TREE_SCALE = 9;
    /** {@link Group#finish}. */
    private static final int SUMS = 0;
    private static final int RECIPROCALS = 1;
    private static final int LOGS = 2;
    /** Index of a pass's short-row twin in {@link #PASSES}. */
    private static final int SHORT = 4;

    private static MethodHandle[] passes(String... names) {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodType type = MethodType.methodType(void.class, Group.class);
        MethodHandle[] handles = new MethodHandle[names.length];
        try {
            for (int i = 0; i < names.length; i++) {
                handles[i] = lookup.findStatic(DoubleRows.class, names[i], type);
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        return handles;
    }

    private static void runPass(int pass, Group g) {
        invoke(g.n <= SHORT_ROW ? pass + SHORT : pass, g);
    }

    private static void invoke(int handle, Group g) {
        try {
            PASSES[handle].invokeExact(g);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Completes g.sum after an exp pass. The float32 passes fold their sums themselves; the float64
     * exp costs C2 too many nodes for its pass to also hold the lane tree (see the C2 budget), so
     * its lanes are added here, in scalar, in the same halving tree as {@link VectorMath#sum}.
     */
    private static void reduceSums(Group g) {
        for (int j = 0; j < g.rows; j++) {
            int at = j * L;
            for (int h = L / 2; h > 0; h >>= 1) {
                for (int i = 0; i < h; i++) {
                    g.partials[at + i] += g.partials[at + i + h];
                }
            }
            g.sum[j] = g.partials[at];
        }
    }

    /** The second half of a cut row's softmax (see {@link #splitFinish}) on g's one row part. */
    static void finishPart(Group g, boolean log) {
        runPass(log ? LOG_NORMALIZE : SCALE, g);
    }

    private static void maxPass(Group g) {
        for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
            g.max[j] = groupRowMax(g.in, b, g.n);
        }
    }

    private static void expPass(Group g) {
        for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
            rowExpSum(g.in, g.store ? g.out : null, b, g.n, g.max[j], g.invT, g.store, g.partials, j * L);
        }
    }

    private static void scalePass(Group g) {
        for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
            rowScale(g.out, b, g.n, g.factor[j]);
        }
    }

    private static void logNormalizePass(Group g) {
        for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
            rowLogNormalize(g.in, g.out, b, g.n, g.max[j], g.invT, g.factor[j]);
        }
    }

    // Short rows: no reduction across a vector's lanes per row. Each row leaves its lane-wise max
    // (then sum) in g.lanes, and a tree reduces L rows' vectors at once into one vector of L
    // results (rows of 32 floats: 1.3x the per-row lane trees).

    /** g.max of short rows: their lane-wise maxes, then the tree (one root: no exp in either). */
    private static void shortMaxPass(Group g) {
        shortMaxLanes(g);
        maxTree(g);
    }

    // A short row is k <= 4 vectors: its first (masked when it is also the last), whole middle ones
    // and its masked last. The passes below run them straight, without a loop per row: C2's pre-,
    // main and post-loops around two iterations cost rows of 32 floats more than their arithmetic.

    /** Vectors of a short row of n. */
    private static int vectors(int n) {
        return (n + L - 1) / L;
    }

    /** Row j's lane-wise max (NaN ignored, -inf past the row) into lanes[j * L, (j + 1) * L). */
    private static void shortMaxLanes(Group g) {
        DoubleVector none = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        // Locals: C2 reloads (and re-checks) a field after every store into a segment.
        double[] in = g.in;
        double[] lanes = g.lanes;
        int n = g.n;
        int rows = g.rows;
        int k = vectors(n);
        int at = (k - 1) * L;
        VectorMask<Double> first = S.indexInRange(0, n);
        VectorMask<Double> last = S.indexInRange(at, n);
        for (int j = 0, b = g.base; j < rows; j++, b += n) {
            DoubleVector v = ld(in, b);
            DoubleVector m = none.blend(v, v.compare(VectorOperators.GT, none).and(first));
            if (k > 2) {
                v = ld(in, b + L);
                m = m.blend(v, v.compare(VectorOperators.GT, m));
            }
            if (k > 3) {
                v = ld(in, b + 2 * L);
                m = m.blend(v, v.compare(VectorOperators.GT, m));
            }
            if (k > 1) {
                v = ld(in, b + at);
                m = m.blend(v, v.compare(VectorOperators.GT, m).and(last));
            }
            m.intoArray(lanes, j * L);
        }
    }

    /**
     * Row j's lane-wise sum of exps into lanes[j * L, (j + 1) * L), the exps into out when g.store.
     * One loop over the group's vectors, a row's k in turn: the exp may appear once (C2's budget).
     */
    private static void shortExpPass(Group g) {
        DoubleVector vt = DoubleVector.broadcast(S, g.invT);
        boolean scaled = g.invT != 1;
        double[] in = g.in;
        double[] exps = exps(g);
        boolean store = g.store;
        double[] max = g.max;
        double[] lanes = g.lanes;
        int n = g.n;
        int k = vectors(n);
        int total = g.rows * k;
        VectorMask<Double> first = S.indexInRange(0, n);
        VectorMask<Double> last = S.indexInRange((k - 1) * L, n);
        boolean whole = n % L == 0;
        DoubleVector s = DoubleVector.zero(S);
        for (int v = 0, j = 0, c = 0, b = g.base; v < total; v++) {
            int i = c * L;
            VectorMask<Double> row = c == k - 1 ? last : first;
            DoubleVector e = VectorMath.expNonPositive(shifted(ld(in, b + i), DoubleVector.broadcast(S, max[j]), vt, scaled))
                    .blend(0, row.not());
            // Whole vectors unmasked: the scale pass's loads then get them by store forwarding,
            // which a masked store does not give.
            if (store && (whole || c < k - 1)) {
                st(e, exps, b + i);
            } else if (store) {
                st(e, exps, b + i, last);
            }
            s = s.add(e);
            if (++c == k) {
                s.intoArray(lanes, j * L);
                s = DoubleVector.zero(S);
                c = 0;
                j++;
                b += n;
            }
        }
    }

    /**
     * Lane t of the tree's two-source selections at level v (inputs in groups of G = L >> v lanes,
     * one group a row): LO takes the first half of every group of both inputs, HI the second, so
     * that combining them halves the groups and keeps the rows in order; after log2(L) levels lane
     * t holds row t's result.
     */
    private static final double[] TREE_LO = treeIndex(0);
    private static final double[] TREE_HI = treeIndex(1);

    private static double[] treeIndex(int half) {
        int levels = Integer.numberOfTrailingZeros(L);
        double[] idx = new double[Math.max(1, levels) * L];
        for (int v = 0; v < levels; v++) {
            int group = L >> v;
            int h = group / 2;
            int per = L / group;
            for (int t = 0; t < L; t++) {
                int q = t / h;
                int lane = q < per ? q * group + t % h : L + (q - per) * group + t % h;
                idx[v * L + t] = lane + half * h;
            }
        }
        return idx;
    }

    /** Pads g.lanes past the last row to a whole block of L rows with {@code v}. */
    private static void padLanes(Group g, double v) {
        java.util.Arrays.fill(g.lanes, g.rows * L, (g.rows + L - 1) / L * L * L, v);
    }

    /** g.max[j]: the largest lane of row j's lane-wise max, L rows per tree. */
    private static void maxTree(Group g) {
        padLanes(g, Double.NEGATIVE_INFINITY);
        double[] a = g.lanes;
        int end = g.rows * L;
        // A level at a time over all the group's trees: each level's selections are converted
        // to lane indices once (selectFrom's float indices), not once per tree.
        for (int v = 0, c = L / 2; c > 0; v++, c >>= 1) {
            DoubleVector lo = DoubleVector.fromArray(S, TREE_LO, v * L);
            DoubleVector hi = DoubleVector.fromArray(S, TREE_HI, v * L);
            for (int o = 0; o < end; o += L * L) {
                for (int p = 0; p < c; p++) {
                    DoubleVector x = DoubleVector.fromArray(S, a, o + 2 * p * L);
                    DoubleVector y = DoubleVector.fromArray(S, a, o + (2 * p + 1) * L);
                    DoubleVector l = lo.selectFrom(x, y);
                    DoubleVector r = hi.selectFrom(x, y);
                    l.blend(r, r.compare(VectorOperators.GT, l)).intoArray(a, o + p * L);
                }
            }
        }
        for (int o = 0; o < end; o += L * L) {
            System.arraycopy(a, o, g.max, o / L, L);
        }
    }

    /**
     * g.sum[j]: the sum of row j's lane-wise sums, L rows per tree (in float64, as the lanes); or
     * g.factor[j] = 1 / sum (softmax) or log(sum) (log-softmax), by g.finish, L rows per vector op
     * (a scalar log a row cost log-softmax rows of 32 floats a quarter of their time).
     */
    private static void sumTreePass(Group g) {
        padLanes(g, 0);
        double[] a = g.lanes;
        int end = g.rows * L;
        for (int v = 0, c = L / 2; c > 0; v++, c >>= 1) {
            DoubleVector lo = DoubleVector.fromArray(S, TREE_LO, v * L);
            DoubleVector hi = DoubleVector.fromArray(S, TREE_HI, v * L);
            for (int o = 0; o < end; o += L * L) {
                for (int p = 0; p < c; p++) {
                    DoubleVector x = DoubleVector.fromArray(S, a, o + 2 * p * L);
                    DoubleVector y = DoubleVector.fromArray(S, a, o + (2 * p + 1) * L);
                    lo.selectFrom(x, y).add(hi.selectFrom(x, y)).intoArray(a, o + p * L);
                }
            }
        }
        for (int o = 0; o < end; o += L * L) {
            if (g.finish == RECIPROCALS) {
                DoubleVector.broadcast(S, 1).div(DoubleVector.fromArray(S, a, o)).intoArray(g.factor, o / L);
            } else if (g.finish == LOGS) {
                VectorMath.log(DoubleVector.fromArray(S, a, o)).intoArray(g.factor, o / L);
            } else {
                for (int t = 0, j = o / L; t < L && j < g.rows; t++, j++) {
                    g.sum[j] = a[o + t];
                }
            }
        }
    }

    /** Softmax's short rows after their exp pass: the sum tree's reciprocals, then the scale (one root). */
    private static void sumTreeScalePass(Group g) {
        sumTreePass(g);
        shortScalePass(g);
    }

    /** out = exps * factor over short rows, their exps where {@link #shortExpPass} left them. */
    private static void shortScalePass(Group g) {
        double[] exps = exps(g);
        double[] out = g.out;
        double[] factor = g.factor;
        int n = g.n;
        int rows = g.rows;
        int k = vectors(n);
        int at = (k - 1) * L;
        VectorMask<Double> last = S.indexInRange(at, n);
        boolean whole = n % L == 0;
        for (int j = 0, b = g.base; j < rows; j++, b += n) {
            DoubleVector f = DoubleVector.broadcast(S, factor[j]);
            if (k > 1) {
                st(ld(exps, b).mul(f), out, b);
            }
            if (k > 2) {
                st(ld(exps, b + L).mul(f), out, b + L);
            }
            if (k > 3) {
                st(ld(exps, b + 2 * L).mul(f), out, b + 2 * L);
            }
            DoubleVector y = ld(exps, b + at).mul(f);
            if (whole) {
                st(y, out, b + at);
            } else {
                st(y, out, b + at, last);
            }
        }
    }

    /** out = (x - max) * invT - log(sum) over short rows, straight as their other passes. */
    private static void shortLogNormalizePass(Group g) {
        DoubleVector vt = DoubleVector.broadcast(S, g.invT);
        boolean scaled = g.invT != 1;
        double[] in = g.in;
        double[] out = g.out;
        double[] max = g.max;
        double[] factor = g.factor;
        int n = g.n;
        int rows = g.rows;
        int k = vectors(n);
        int at = (k - 1) * L;
        VectorMask<Double> last = S.indexInRange(at, n);
        boolean whole = n % L == 0;
        for (int j = 0, b = g.base; j < rows; j++, b += n) {
            double m = max[j];
            DoubleVector vm = DoubleVector.broadcast(S, m);
            DoubleVector vl = DoubleVector.broadcast(S, factor[j]);
            if (m < NO_OVERFLOW_MAX) {
                if (k > 1) {
                    st(shifted(ld(in, b), vm, vt, scaled).sub(vl), out, b);
                }
                if (k > 2) {
                    st(shifted(ld(in, b + L), vm, vt, scaled).sub(vl), out, b + L);
                }
                if (k > 3) {
                    st(shifted(ld(in, b + 2 * L), vm, vt, scaled).sub(vl), out, b + 2 * L);
                }
                DoubleVector y = shifted(ld(in, b + at), vm, vt, scaled).sub(vl);
                if (whole) {
                    st(y, out, b + at);
                } else {
                    st(y, out, b + at, last);
                }
            } else {
                for (int i = 0; i < n; i += L) {
                    st(logit(ld(in, b + i), vm, vt).sub(vl), out, b + i, S.indexInRange(i, n));
                }
            }
        }
    }

    /**
     * Softmax, log-softmax or logsumexp (into lse[lseAt + j]) of rows [0, rows) from base, in
     * groups of {@link #GROUP_BYTES} or {@link #LONG_GROUP_BYTES}; the last rows, whose whole vectors would read past the end of
     * either buffer, are staged with a vector of padding and run there.
     */
    static void rowGroups(RowOp op, double[] in, double[] out, int base, int n, int rows, double invT, double[] lse, int lseAt) {
        int limit = out == null ? length(in) : Math.min(length(in), length(out));
        int safe = (int) Math.max(0, Math.min(rows, Math.floorDiv((long) limit - base - span(n), n) + 1));
        // Short rows: whole blocks of L rows, the unit of their trees.
        int per = n <= SHORT_ROW ? Math.min(safe, (GROUP_BYTES / Double.BYTES / n + L - 1) / L * L)
                : Math.max(1, Math.min(safe, LONG_GROUP_BYTES / Double.BYTES / n));
        per = Math.max(1, per);
        Group g = new Group(per);
        for (int j = 0; j < safe; j += per) {
            int count = Math.min(per, safe - j);
            g.set(in, out, base + j * n, n, count, invT);
            group(op, g, lse, lseAt + j);
        }
        if (safe < rows) {
            int from = base + safe * n;
            int count = (rows - safe) * n;
            double[] stage = new double[count + L];
            copyOut(in, from, stage, count);
            DoubleRows.rowGroups(op, stage, op == RowOp.LOG_SUM_EXP ? null : stage, 0, n, rows - safe, invT, lse,
                    lseAt + safe);
            if (op != RowOp.LOG_SUM_EXP) {
                copyIn(stage, out, from, count);
            }
        }
    }

    private static void group(RowOp op, Group g, double[] lse, int lseAt) {
        // Long log-softmax rows store their exps too, to be overwritten: the exp pass then takes the
        // output's first-write misses while it computes, not the light normalize pass (rows of 32K:
        // 1.2x). Not in place, where the normalize pass needs the input and writes lines it holds.
        g.store = op == RowOp.SOFTMAX || op == RowOp.LOG_SOFTMAX && g.n > SHORT_ROW && !sameStart(g.in, g.out);
        g.finish = op == RowOp.SOFTMAX ? RECIPROCALS : op == RowOp.LOG_SOFTMAX ? LOGS : SUMS;
        maxAndSums(g);
        switch (op) {
            case SOFTMAX -> {
                // Short rows were scaled by their sum tree.
                if (g.n > SHORT_ROW) {
                    runPass(SCALE, g);
                }
            }
            case LOG_SOFTMAX -> runPass(LOG_NORMALIZE, g);
            case LOG_SUM_EXP -> {
                for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
                    double max = g.max[j];
                    // Empty, all -inf or containing +inf: the sum is not needed, only whether a NaN
                    // hides (torch's rules for infinities).
                    lse[lseAt + j] = Double.isInfinite(max) ? (rowHasNaN(g.in, b, g.n) ? Double.NaN : max)
                            : max + Math.log(g.sum[j]);
                }
            }
        }
    }

    /** Whether a and b start at the same element (an in-place call). */
    private static boolean sameStart(double[] a, double[] b) {
        return a == b;
    }

    /** Elements the whole vectors of a row of n span from its start. */
    private static int span(int n) {
        return (n + L - 1) / L * L;
    }

    /** Whether g's rows' whole vectors lie inside in (and out, unless it is null). */
    private static boolean fits(Group g) {
        int limit = g.out == null ? length(g.in) : Math.min(length(g.in), length(g.out));
        return g.base + (g.rows - 1) * g.n + span(g.n) <= limit;
    }

    /** The max and sum of exps of g's one row part (the exps into out unless it is null). */
    static void partMaxSum(Group g) {
        g.store = g.out != null;
        g.finish = SUMS;
        maxAndSums(g);
        if (g.max[0] == Double.NEGATIVE_INFINITY) {
            // Only -inf (or NaN) here: no mass, unless a NaN poisons the row; inf - inf would.
            g.sum[0] = rowHasNaN(g.in, g.base, g.n) ? Double.NaN : 0;
            if (g.out != null) {
                zero(g.out, g.base, g.base + g.n);
            }
        }
    }

    /** g.max and g.sum of g's rows (g.factor instead, by g.finish), the exps into out when g.store. */
    private static void maxAndSums(Group g) {
        if (g.n <= SHORT_ROW) {
            invoke(MAX + SHORT, g);
            invoke(EXP + SHORT, g);
            invoke(g.finish == RECIPROCALS ? SUM_TREE_SCALE : SUM_TREE, g);
            return;
        }
        invoke(MAX, g);
        invoke(EXP, g);
        reduceSums(g);
        // Long rows' factors in fp64, a row at a time: one division or log a row of many elements.
        if (g.finish == RECIPROCALS) {
            for (int j = 0; j < g.rows; j++) {
                g.factor[j] = (double) (1.0 / g.sum[j]);
            }
        } else if (g.finish == LOGS) {
            for (int j = 0; j < g.rows; j++) {
                g.factor[j] = (double) Math.log(g.sum[j]);
            }
        }
    }

    /** Max of the row, ignoring NaN; -inf for an empty or all-NaN row. Four accumulators: compare and blend chain. */
    static double rowMax(double[] in, int base, int n) {
        DoubleVector m0 = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        DoubleVector m1 = m0;
        DoubleVector m2 = m0;
        DoubleVector m3 = m0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            DoubleVector v0 = ld(in, base + i);
            DoubleVector v1 = ld(in, base + i + L);
            DoubleVector v2 = ld(in, base + i + 2 * L);
            DoubleVector v3 = ld(in, base + i + 3 * L);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
            m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
            m3 = m3.blend(v3, v3.compare(VectorOperators.GT, m3));
        }
        for (; i <= n - L; i += L) {
            DoubleVector v = ld(in, base + i);
            m0 = m0.blend(v, v.compare(VectorOperators.GT, m0));
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector v = ld(in, base + i, k);
            m1 = m1.blend(v, v.compare(VectorOperators.GT, m1).and(k));
        }
        m0 = m0.blend(m1, m1.compare(VectorOperators.GT, m0));
        m2 = m2.blend(m3, m3.compare(VectorOperators.GT, m2));
        return m0.blend(m2, m2.compare(VectorOperators.GT, m0)).reduceLanes(VectorOperators.MAX);
    }

    /** {@link #rowMax} of a row whose whole vectors lie inside in: the tail is a whole vector too, masked in the compare. */
    static double groupRowMax(double[] in, int base, int n) {
        DoubleVector m0 = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        DoubleVector m1 = m0;
        DoubleVector m2 = m0;
        DoubleVector m3 = m0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            DoubleVector v0 = ld(in, base + i);
            DoubleVector v1 = ld(in, base + i + L);
            DoubleVector v2 = ld(in, base + i + 2 * L);
            DoubleVector v3 = ld(in, base + i + 3 * L);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
            m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
            m3 = m3.blend(v3, v3.compare(VectorOperators.GT, m3));
        }
        for (; i < n; i += L) {
            DoubleVector v = ld(in, base + i);
            m0 = m0.blend(v, v.compare(VectorOperators.GT, m0).and(S.indexInRange(i, n)));
        }
        m0 = m0.blend(m1, m1.compare(VectorOperators.GT, m0));
        m2 = m2.blend(m3, m3.compare(VectorOperators.GT, m2));
        return m0.blend(m2, m2.compare(VectorOperators.GT, m0)).reduceLanes(VectorOperators.MAX);
    }

    /** The logit (x - max) * invT; {@code scaled} false means invT is 1 and saves the multiply. */
    private static DoubleVector shifted(DoubleVector x, DoubleVector vm, DoubleVector vt, boolean scaled) {
        DoubleVector d = x.sub(vm);
        return scaled ? d.mul(vt) : d;
    }

    /**
     * The float64 twin of the float32 rowExpSum: its lane-wise sums into partials[at, at + L)
     * (blocks of {@link #BLOCK} elements summed lane-wise, then the blocks), reduced by the caller.
     */
    static void rowExpSum(double[] in, double[] out, int base, int n, double max, double invT, boolean store,
                          double[] partials, int at) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        DoubleVector total = DoubleVector.zero(S);
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + BLOCK);
            DoubleVector s = DoubleVector.zero(S);
            for (; i < end; i += L) {
                // One store call site, masked on every vector: a second one tips this root over
                // C2's budget (the float64 exp is the larger).
                VectorMask<Double> k = S.indexInRange(i, end);
                DoubleVector e = VectorMath.expNonPositive(shifted(ld(in, base + i), vm, vt, scaled)).blend(0, k.not());
                if (store) {
                    st(e, out, base + i, k);
                }
                s = s.add(e);
            }
            total = total.add(s);
        }
        total.intoArray(partials, at);
    }

    /** out = out * scale over a row whose whole vectors lie inside out. */
    static void rowScale(double[] out, int base, int n, double scale) {
        double[] exps = out;
        DoubleVector f = DoubleVector.broadcast(S, scale);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            st(ld(exps, base + i).mul(f), out, base + i);
        }
        if (i < n) {
            st(ld(exps, base + i).mul(f), out, base + i, S.indexInRange(i, n));
        }
    }

    /**
     * Log-softmax logits (x - max) * invT. Where x - max overflows to -inf for a finite x (x and max
     * near opposite range limits) the logit itself may still be finite once divided by T, so those
     * lanes take x * invT - max * invT instead; elsewhere the subtraction comes first, which is exact
     * near the max.
     */
    private static DoubleVector logit(DoubleVector x, DoubleVector vm, DoubleVector vt) {
        DoubleVector d = x.sub(vm);
        VectorMask<Double> overflow = d.compare(VectorOperators.EQ, Double.NEGATIVE_INFINITY)
                .andNot(x.compare(VectorOperators.EQ, Double.NEGATIVE_INFINITY));
        DoubleVector z = d.mul(vt);
        return overflow.anyTrue() ? z.blend(x.mul(vt).sub(vm.mul(vt)), overflow) : z;
    }

    /**
     * Below this row max, x - max cannot overflow for any finite x (it stays within half an ulp of
     * the largest finite value, so it rounds to it), and the logit needs no overflow check.
     */
    private static final double NO_OVERFLOW_MAX = 1e291;

    /** out = (x - max) * invT - logSum over a row whose whole vectors lie inside in. */
    static void rowLogNormalize(double[] in, double[] out, int base, int n, double max, double invT, double logSum) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        DoubleVector vl = DoubleVector.broadcast(S, logSum);
        int i = 0;
        int up = S.loopBound(n);
        if (max < NO_OVERFLOW_MAX) {
            boolean scaled = invT != 1;
            for (; i < up; i += L) {
                st(shifted(ld(in, base + i), vm, vt, scaled).sub(vl), out, base + i);
            }
        } else {
            for (; i < up; i += L) {
                st(logit(ld(in, base + i), vm, vt).sub(vl), out, base + i);
            }
        }
        if (i < n) {
            st(logit(ld(in, base + i), vm, vt).sub(vl), out, base + i, S.indexInRange(i, n));
        }
    }

    static boolean rowHasNaN(double[] in, int base, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            if (ld(in, base + i, k).test(VectorOperators.IS_NAN).and(k).anyTrue()) {
                return true;
            }
        }
        return false;
    }

    /** Index of the first maximum; the first NaN wins (numpy / torch argmax). The row must be non-empty. */
    static int argmaxRow(double[] in, int base, int n) {
        double max = rowMax(in, base, n);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            VectorMask<Double> nan = ld(in, base + i, k).test(VectorOperators.IS_NAN).and(k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        DoubleVector vm = DoubleVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            VectorMask<Double> hit = ld(in, base + i, k).compare(VectorOperators.EQ, vm).and(k);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        throw new AssertionError("no element equals the row max " + max);
    }

    static void hardmaxRow(double[] in, double[] out, int base, int n) {
        if (n == 0) {
            return;
        }
        int hot = argmaxRow(in, base, n);
        zero(out, base, base + n);
        set(out, base + hot, 1);
    }

    // ---- elementwise ----

    /** Elements per call of an elementwise pass: log-sigmoid's exps stay in L1 between its two passes. */
    private static final int ELEMENTS = 1024;
    private static final int SIGMOID = 0;
    private static final int EXP_NEG_ABS = 1;
    private static final int LOG_SIGMOID = 2;
    /** The elementwise passes, called through handles for the reason {@link #PASSES} are. */
    private static final MethodHandle[] ELEMENTWISE = elementwise("sigmoidPass", "expNegAbsPass", "logSigmoidPass");

    private static MethodHandle[] elementwise(String... names) {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodType type = MethodType.methodType(void.class, double[].class, double[].class, double[].class, int.class, int.class);
        MethodHandle[] handles = new MethodHandle[names.length];
        try {
            for (int i = 0; i < names.length; i++) {
                handles[i] = lookup.findStatic(DoubleRows.class, names[i], type);
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        return handles;
    }

    private static void runElementwise(int pass, double[] in, double[] out, double[] e, int from, int count) {
        try {
            ELEMENTWISE[pass].invokeExact(in, out, e, from, count);
        } catch (RuntimeException | Error t) {
            throw t;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Sigmoid (log-sigmoid when {@code log}) of elements [from, to): whole vectors in passes of
     * {@link #ELEMENTS}; the last few elements, fewer than a vector, staged in one. Log-sigmoid
     * takes two passes, exp(-|x|) into scratch and then min(x, 0) - log1p of it: its exp and log1p
     * in one root would overflow C2's budget (see the contiguous rows).
     */
    static void sigmoid(double[] in, double[] out, int from, int to, boolean log) {
        int full = from + S.loopBound(to - from);
        double[] e = log ? new double[Math.min(ELEMENTS, full - from)] : null;
        for (int i = from; i < full; i += ELEMENTS) {
            int count = Math.min(ELEMENTS, full - i);
            if (log) {
                runElementwise(EXP_NEG_ABS, in, null, e, i, count);
                runElementwise(LOG_SIGMOID, in, out, e, i, count);
            } else {
                runElementwise(SIGMOID, in, out, null, i, count);
            }
        }
        if (full < to) {
            double[] stage = new double[L];
            copyOut(in, full, stage, to - full);
            DoubleRows.sigmoid(stage, stage, 0, L, log);
            copyIn(stage, out, full, to - full);
        }
    }

    /** out = sigmoid(x) over whole vectors [from, from + count): 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below, never overflowing. */
    private static void sigmoidPass(double[] in, double[] out, double[] unused, int from, int count) {
        for (int i = from, end = from + count; i < end; i += L) {
            DoubleVector x = ld(in, i);
            DoubleVector e = VectorMath.expNonPositive(x.abs().neg());
            st(e.blend(1, x.compare(VectorOperators.GE, 0)).div(e.add(1)), out, i);
        }
    }

    /** e[i - from] = exp(-|x|) over whole vectors [from, from + count). */
    private static void expNegAbsPass(double[] in, double[] unused, double[] e, int from, int count) {
        for (int i = 0; i < count; i += L) {
            VectorMath.expNonPositive(ld(in, from + i).abs().neg()).intoArray(e, i);
        }
    }

    /** out = log(sigmoid(x)) = min(x, 0) - log1p(e) over whole vectors, e from {@link #expNegAbsPass}; the blend keeps NaN. */
    private static void logSigmoidPass(double[] in, double[] out, double[] e, int from, int count) {
        for (int i = 0; i < count; i += L) {
            DoubleVector x = ld(in, from + i);
            st(x.blend(0, x.compare(VectorOperators.GT, 0)).sub(VectorMath.log1p(DoubleVector.fromArray(S, e, i))), out, from + i);
        }
    }

    // ---- strided slices ----

    /** Inner slices per strided work unit (a tile of a slab), as {@link DoubleRows#TILE}. */
    static int tiles(OpRequest r) {
        return (int) ((r.inner() + DoubleRows.TILE - 1) / DoubleRows.TILE);
    }

    @Override
    public long stridedUnits(OpRequest r) {
        return r.outer() * tiles(r);
    }

    /** Tile c of slab o, the slab starting at element base. */
    @FunctionalInterface
    private interface Tile {
        void tile(long o, int c, int base, Scratch s);
    }

    /** Runs body over strided units [from, to): unit u is tile u % tiles of slab u / tiles. */
    private static void forTiles(OpRequest r, long from, long to, Tile body) {
        int tiles = tiles(r);
        long slab = r.n() * r.inner();
        Scratch s = scratch();
        for (long u = from; u < to; u++) {
            long o = u / tiles;
            body.tile(o, (int) (u % tiles), Math.toIntExact(o * slab), s);
        }
    }

    @Override
    public void softmaxStrided(OpRequest r, long from, long to, boolean log) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        double invT = (double) (1.0 / r.temperature());
        forTiles(r, from, to, (o, c, base, s) ->
                softmaxTiles(array(r.in()), array(r.out()), base, n, inner, c, c + 1, invT, log, s));
    }

    @Override
    public void logSumExpStrided(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        forTiles(r, from, to, (o, c, base, s) -> logSumExpTiles(array(r.in()), array(r.out()), base, n,
                inner, c, c + 1, Math.toIntExact(o * inner), s));
    }

    @Override
    public void argmaxStrided(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        forTiles(r, from, to, (o, c, base, s) -> argmaxTiles(array(r.in()), indices(r), base, n, inner, c, c + 1,
                Math.toIntExact(o * inner), s));
    }

    @Override
    public void hardmaxStrided(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        forTiles(r, from, to, (o, c, base, s) ->
                hardmaxTiles(array(r.in()), array(r.out()), base, n, inner, c, c + 1, s));
    }

    // Tiles [c0, c1) of the slab at base: a tile is up to TILE adjacent slices, element k of slice l
    // at base + k * inner + l. Each pass sweeps a tile row by row, so memory is read contiguously
    // whatever the stride; per-slice state (max, sums) lives in the scratch arrays, one lane per slice.

    static void softmaxTiles(double[] in, double[] out, int base, int n, int inner, int c0, int c1, double invT, boolean log,
                             Scratch s) {
        for (int c = c0; c < c1; c++) {
            int i0 = c * TILE;
            softmaxStrided(in, out, base + i0, n, inner, Math.min(TILE, inner - i0), invT, log, s);
        }
    }

    /** logsumexp of the slices of tiles [c0, c1) into out[outBase + slice]. */
    static void logSumExpTiles(double[] in, double[] out, int base, int n, int inner, int c0, int c1, int outBase, Scratch s) {
        for (int c = c0; c < c1; c++) {
            int i0 = c * TILE;
            logSumExpStrided(in, out, base + i0, n, inner, Math.min(TILE, inner - i0), outBase + i0, s);
        }
    }

    /** First-max indices of the slices of tiles [c0, c1) into indices[idxBase + slice]. */
    static void argmaxTiles(double[] in, int[] indices, int base, int n, int inner, int c0, int c1, int idxBase, Scratch s) {
        for (int c = c0; c < c1; c++) {
            int i0 = c * TILE;
            int w = Math.min(TILE, inner - i0);
            argmaxStrided(in, base + i0, n, inner, w, s);
            System.arraycopy(s.idx, 0, indices, idxBase + i0, w);
        }
    }

    static void hardmaxTiles(double[] in, double[] out, int base, int n, int inner, int c0, int c1, Scratch s) {
        for (int c = c0; c < c1; c++) {
            int i0 = c * TILE;
            hardmaxStrided(in, out, base + i0, n, inner, Math.min(TILE, inner - i0), s);
        }
    }

    /** Slices per tile: the state arrays stay in L1, a row of the tile is a few cache lines. */
    static final int TILE = 512;

    /** Per-thread scratch for the strided kernels (and the segment twin's staging), so sweeps allocate nothing. */
    static final class Scratch {
        final double[] max = new double[TILE];
        final double[] block = new double[TILE];
        final double[] factor = new double[TILE];
        final double[] sums = new double[TILE];
        final int[] idx = new int[TILE];
        private double[] stage = new double[0];

        /** A staging array of at least n elements, grown on demand and kept. */
        double[] stage(int n) {
            if (stage.length < n) {
                stage = new double[n];
            }
            return stage;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static Scratch scratch() {
        return SCRATCH.get();
    }

    private static void stridedMax(double[] in, int base, int n, int inner, int w, double[] max) {
        Arrays.fill(max, 0, w, Double.NEGATIVE_INFINITY);
        int full = S.loopBound(w);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            int i = 0;
            for (; i < full; i += L) {
                DoubleVector v = ld(in, row + i);
                DoubleVector m = ld(max, i);
                st(m.blend(v, v.compare(VectorOperators.GT, m)), max, i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector v = ld(in, row + i, k);
                DoubleVector m = ld(max, i, k);
                st(m.blend(v, v.compare(VectorOperators.GT, m)), max, i, k);
            }
        }
    }

    /** sums[l] = sum over the slice of exp((x - max) * invT), blocks of 64 rows folded into fp64. */
    private static void stridedExpSum(double[] in, double[] out, int base, int n, int inner, int w, double invT,
                                      boolean store, Scratch s) {
        Arrays.fill(s.sums, 0, w, 0.0);
        Arrays.fill(s.block, 0, w, 0);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        int full = S.loopBound(w);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            int i = 0;
            for (; i < full; i += L) {
                DoubleVector e = VectorMath.expNonPositive(ld(in, row + i).sub(ld(s.max, i)).mul(vt));
                if (store) {
                    st(e, out, row + i);
                }
                st(ld(s.block, i).add(e), s.block, i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector e = VectorMath.expNonPositive(ld(in, row + i, k).sub(ld(s.max, i, k)).mul(vt));
                if (store) {
                    st(e, out, row + i, k);
                }
                st(ld(s.block, i, k).add(e), s.block, i, k);
            }
            if ((j & 63) == 63 || j == n - 1) {
                for (int l = 0; l < w; l++) {
                    s.sums[l] += s.block[l];
                    s.block[l] = 0;
                }
            }
        }
    }

    static void softmaxStrided(double[] in, double[] out, int base, int n, int inner, int w, double invT, boolean log,
                               Scratch s) {
        if (n == 0) {
            return;
        }
        stridedMax(in, base, n, inner, w, s.max);
        stridedExpSum(in, out, base, n, inner, w, invT, !log, s);
        for (int l = 0; l < w; l++) {
            s.factor[l] = (double) (log ? Math.log(s.sums[l]) : 1.0 / s.sums[l]);
        }
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        int full = S.loopBound(w);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            int i = 0;
            for (; i < full; i += L) {
                DoubleVector f = ld(s.factor, i);
                st(log ? logit(ld(in, row + i), ld(s.max, i), vt).sub(f) : ld(out, row + i).mul(f), out, row + i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector f = ld(s.factor, i, k);
                st(log ? logit(ld(in, row + i, k), ld(s.max, i, k), vt).sub(f) : ld(out, row + i, k).mul(f),
                        out, row + i, k);
            }
        }
    }

    /** Whether column l of the tile holds a NaN: the rare case of an infinite max, scanned scalar. */
    private static boolean columnHasNaN(double[] in, int base, int n, int inner, int l) {
        for (int j = 0; j < n; j++) {
            if (Double.isNaN(in[base + j * inner + l])) {
                return true;
            }
        }
        return false;
    }

    /** logsumexp of the tile's slices into out[outBase + l]. */
    static void logSumExpStrided(double[] in, double[] out, int base, int n, int inner, int w, int outBase, Scratch s) {
        stridedMax(in, base, n, inner, w, s.max);
        // A finite max lets NaN poison the sum by itself; an infinite one skips the sum (inf - inf).
        stridedExpSum(in, null, base, n, inner, w, 1, false, s);
        for (int l = 0; l < w; l++) {
            double m = s.max[l];
            out[outBase + l] = !Double.isInfinite(m) ? (double) (m + Math.log(s.sums[l]))
                    : columnHasNaN(in, base, n, inner, l) ? Double.NaN : m;
        }
    }

    /**
     * First-max index (the first NaN if any) of the tile's slices into idx[0..w). n must be > 0.
     * One sweep: a lane takes row j when it is greater than the lane's best so far, or is the
     * lane's first NaN (a NaN best is never replaced: NaN compares false). The running index is
     * kept as a double (exact below 2^53), so it blends with the same mask.
     */
    static void argmaxStrided(double[] in, int base, int n, int inner, int w, Scratch s) {
        double[] best = s.max;
        double[] at = s.factor;
        System.arraycopy(in, base, best, 0, w);
        Arrays.fill(at, 0, w, 0.0);
        int full = S.loopBound(w);
        for (int j = 1; j < n; j++) {
            int row = base + j * inner;
            DoubleVector vj = DoubleVector.broadcast(S, j);
            int i = 0;
            for (; i < full; i += L) {
                DoubleVector v = ld(in, row + i);
                DoubleVector m = ld(best, i);
                VectorMask<Double> take = v.compare(VectorOperators.GT, m)
                        .or(v.test(VectorOperators.IS_NAN).andNot(m.test(VectorOperators.IS_NAN)));
                st(m.blend(v, take), best, i);
                st(ld(at, i).blend(vj, take), at, i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector v = ld(in, row + i, k);
                DoubleVector m = ld(best, i, k);
                VectorMask<Double> take = v.compare(VectorOperators.GT, m)
                        .or(v.test(VectorOperators.IS_NAN).andNot(m.test(VectorOperators.IS_NAN))).and(k);
                st(m.blend(v, take), best, i, k);
                st(ld(at, i, k).blend(vj, take), at, i, k);
            }
        }
        for (int l = 0; l < w; l++) {
            s.idx[l] = (int) at[l];
        }
    }

    static void hardmaxStrided(double[] in, double[] out, int base, int n, int inner, int w, Scratch s) {
        if (n == 0) {
            return;
        }
        argmaxStrided(in, base, n, inner, w, s);
        for (int j = 0; j < n; j++) {
            Arrays.fill(out, base + j * inner, base + j * inner + w, 0);
        }
        for (int l = 0; l < w; l++) {
            out[base + s.idx[l] * inner + l] = 1;
        }
    }
}
