// GENERATED from engine-cpu-simd/src/template/Rows.java.template by Spp.java: edit the template,
// then run `java engine-cpu-simd/src/template/Spp.java --write` from the repository root.
package dev.softmaxengine.simd;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;

import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.OpRequest;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16 row kernels over native segments (see {@link RowKernels}). Contiguous rows ("row" methods)
 * vectorize along the row; strided slices ("strided" methods) vectorize across the inner
 * dimension, one lane per slice, so a non-last axis costs the same passes as the last one.
 * Strided slabs are staged into arrays and run by {@link FloatRows}.
 *
 * <p>Why a twin of {@link FloatRows} for native segments: a call site of the Vector API that has
 * seen both heap and native segments is compiled about 5x slower (profile pollution, measured on
 * JDK 25), so arrays keep their own class and heap segments are staged into arrays by the kernel.
 * Each range of rows is sliced into segments of at most {@link #CHUNK} elements first and indexed
 * from 0 with int offsets: C2 then drops the bounds and liveness checks it otherwise repeats on
 * every vector access of the whole segment (the exp pass ran 40% faster).
 *
 * <p>Known cost: the Vector API's Java fallback of {@code reinterpretAsInts} (run by the exp
 * before C2 compiles it) stores into heap segments, and from then on the JDK's shared
 * segment-store profile makes every C2-compiled vector store into a native segment about 3x
 * slower (a bare in-to-out loop over 32K floats: 1.06 us before, 3.0 after). Softmax rows lose
 * about 9% to it, log-softmax rows 30%. Staging each written block in an array and copying it out
 * in bulk won that back in cache (log-softmax 32K row 9.4 to 7.8 us) but lost 25% on batches that
 * leave the cache (the bulk copy's streaming stores evict the output before the next pass), so
 * the stores stay direct.
 *
 * <p>Numerics: the max ignores NaN (compare-and-blend), so a NaN reaches the sum through exp and
 * poisons the slice; +inf or all -inf slices become NaN through inf - inf, as in PyTorch.
 * Sums of exp run in fp32 vectors over blocks of {@link #BLOCK} elements and then accumulate in
 * fp64, so the summation error stays near fp32 rounding even for 1M columns.
 *
 * <p>C2 notes: loops keep int induction variables; every root holds one exp call site at most
 * (see "C2's budget" at the contiguous rows); tails use unmasked compares and tests combined with
 * {@code .and(mask)}, because the masked overloads are not intrinsified (they run the Java
 * fallback, ~4x slower per row with a ragged tail).
 */
final class BFloat16SegmentRows implements RowKernels {
    static final BFloat16SegmentRows INSTANCE = new BFloat16SegmentRows();

    private BFloat16SegmentRows() {
    }

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elements summed per vector accumulator before the partial sum is folded into fp64. */
    static final int BLOCK = 1024;
    /**
     * Rows longer than this (more than a long group) take their next row's max inside the exp
     * pass: the max pass alone streamed them from memory while nothing computed (rows of 32K: 1.15x).
     * Not shorter rows: rows of 1,024 so ran 1.2x faster from cache but 0.8x from memory, where
     * the exp loop keeps too few of the next row's loads in flight and no Java code can prefetch.
     * bfloat16: no row (rows of 32K from memory ran 1.2x slower so: the widened next row's max
     * pushed the exp loop's constants out of the registers).
     */
    static final int AHEAD_ROW = Integer.MAX_VALUE;
    /** Elements per slice of a range of rows or elements (rows longer than this are sliced alone). */
    static final int CHUNK = 1 << 16;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // ---- memory access: the only lines that differ between arrays and segments ----

    // bfloat16 is the top half of a float32: loads widen with a 16-bit shift of the sign-extended
    // halves, stores round to nearest even (NaN kept quiet), so every pass computes in float32 on
    // values read and written as 16 bits, with no staging between them.
    private static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);

    private static FloatVector widen(ShortVector h) {
        return ((IntVector) h.convertShape(VectorOperators.S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    private static FloatVector ld(MemorySegment a, int i) {
        return widen(halves(a, i));
    }

    /** The bits of a vector's width of elements from i. */
    private static ShortVector halves(MemorySegment a, int i) {
        return ShortVector.fromMemorySegment(HALVES, a, (long) i * Short.BYTES, LE);
    }

    /** Stores bits h from element i. */
    private static void halves(ShortVector h, MemorySegment a, int i) {
        h.reinterpretAsBytes().intoMemorySegment(a, (long) i * Short.BYTES, LE);
    }

    private static FloatVector ld(MemorySegment a, int i, VectorMask<Float> k) {
        return widen(ShortVector.fromMemorySegment(HALVES, a, (long) i * Short.BYTES, LE, k.cast(HALVES)));
    }

    /** v's lanes rounded to bfloat16: to nearest even (add 0x7fff plus the lowest kept bit), NaN kept quiet. */
    private static ShortVector narrow(FloatVector v) {
        IntVector b = v.reinterpretAsInts();
        IntVector high = b.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = b.add(high.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = v.test(VectorOperators.IS_NAN).cast(INTS);
        return (ShortVector) rounded.blend(high.or(0x40), nan).convertShape(VectorOperators.I2S, HALVES, 0);
    }

    /** {@link #narrow} of lanes that hold no NaN (the carry of a NaN's rounding could reach its sign). */
    private static ShortVector narrowNumbers(FloatVector v) {
        IntVector b = v.reinterpretAsInts();
        IntVector rounded = b.add(b.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
        return (ShortVector) rounded.convertShape(VectorOperators.I2S, HALVES, 0);
    }

    /** {@link #st} of a vector that holds no NaN. */
    private static void stNumbers(FloatVector v, MemorySegment a, int i) {
        halves(narrowNumbers(v), a, i);
    }

    // Stores go through ByteVector, as the float32 segments' do (see there).
    private static final VectorSpecies<Byte> BYTE_LANES = HALVES.withLanes(byte.class);

    private static void st(FloatVector v, MemorySegment a, int i) {
        halves(narrow(v), a, i);
    }

    private static void st(FloatVector v, MemorySegment a, int i, VectorMask<Float> k) {
        long bytes = Long.expand(k.toLong(), 0x5555555555555555L) * 3;
        narrow(v).reinterpretAsBytes().intoMemorySegment(a, (long) i * Short.BYTES, LE, VectorMask.fromLong(BYTE_LANES, bytes));
    }

    private static void set(MemorySegment a, long i, float v) {
        a.setAtIndex(Tensor.I16, i, Half.floatToBf16(v));
    }

    // The exps between the exp and the scale pass stay float32, in the thread's array (see Group#exps).
    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }

    private static void st(FloatVector v, float[] a, int i) {
        v.intoArray(a, i);
    }

    private static void st(FloatVector v, float[] a, int i, VectorMask<Float> k) {
        v.intoArray(a, i, k);
    }

    private static final ThreadLocal<float[][]> EXPS = ThreadLocal.withInitial(() -> new float[1][0]);

    /** The calling thread's array of at least {@code n} floats for the exps of a slice's groups. */
    private static float[] expsArray(int n) {
        float[][] held = EXPS.get();
        if (held[0].length < n) {
            held[0] = new float[n];
        }
        return held[0];
    }

    private static void zero(MemorySegment a, int from, int to) {
        a.asSlice((long) from * Short.BYTES, (long) (to - from) * Short.BYTES).fill((byte) 0);
    }

    private static int length(MemorySegment a) {
        return (int) (a.byteSize() / Short.BYTES);
    }

    /** a[from, from + count) widened into stage[0, count). */
    private static void copyOut(MemorySegment a, long from, float[] stage, int count) {
        MemorySegment s = slice(a, from, count);
        int i = 0;
        for (; i <= count - L; i += L) {
            ld(s, i).intoArray(stage, i);
        }
        for (; i < count; i++) {
            stage[i] = Half.bf16ToFloat(s.getAtIndex(Tensor.I16, i));
        }
    }

    /** stage[0, count) rounded into a[from, from + count). */
    private static void copyIn(float[] stage, MemorySegment a, long from, int count) {
        MemorySegment s = slice(a, from, count);
        int i = 0;
        for (; i <= count - L; i += L) {
            st(FloatVector.fromArray(S, stage, i), s, i);
        }
        for (; i < count; i++) {
            set(s, i, stage[i]);
        }
    }

    /** Rows per slice: as many as fit in CHUNK elements, at least one. */
    private static long rowsPerSlice(int n) {
        return Math.max(1, CHUNK / Math.max(1, n));
    }

    /**
     * Elements [from, from + count) of s as a segment of their own, plus up to a vector of the
     * elements after them: the whole-vector loads of a ragged row's end read those (see
     * {@link #rowGroups}), and only the segment's own last row needs staging.
     */
    private static MemorySegment sliceWithSlack(MemorySegment s, long from, long count) {
        return s.asSlice(from * Short.BYTES, Math.min(count + L, s.byteSize() / Short.BYTES - from) * Short.BYTES);
    }

    /** Elements [from, from + count) of s as a segment of their own. */
    private static MemorySegment slice(MemorySegment s, long from, long count) {
        return s.asSlice(from * Short.BYTES, count * Short.BYTES);
    }

    // ---- row ranges (the RowKernels entry points) ----

    /** Argmax's output: VectorSoftmaxKernel hands the kernels an int array. */
    private static int[] indices(OpRequest r) {
        return ((ArrayTensor) r.out()).ints();
    }

    /** Rows [first, first + rows) of a range, row j at base + j * n of in (and of out). */
    @FunctionalInterface
    private interface RowBlock {
        void rows(MemorySegment in, MemorySegment out, long first, int rows, int base);
    }

    /**
     * Runs body over rows [from, to) of the request's last axis: in one block over the arrays,
     * or over slices of at most {@link #CHUNK} elements (see the class comment) of the segments.
     * {@code out} is null unless {@code writes}.
     */
    private static void forRowBlocks(OpRequest r, long from, long to, boolean writes, RowBlock body) {
        int n = (int) r.n();
        long step = rowsPerSlice(n);
        for (long o = from; o < to; o += step) {
            int rows = (int) Math.min(step, to - o);
            body.rows(sliceWithSlack(r.in().asHostSegment(), o * n, (long) rows * n),
                    writes ? sliceWithSlack(r.out().asHostSegment(), o * n, (long) rows * n) : null, o, rows, 0);
        }
    }

    /** A reduced output: out[index] = v. */
    private static void putReduced(OpRequest r, long index, double v) {
        set(r.out().asHostSegment(), index, (float) v);
    }

    @Override
    public void softmax(OpRequest r, long from, long to, boolean log) {
        int n = (int) r.n();
        float invT = (float) (1.0 / r.temperature());
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
        MemorySegment in = r.in().asHostSegment();
        MemorySegment out = r.out().asHostSegment();
        for (long o = from; o < to; o += CHUNK) {
            int count = (int) Math.min(CHUNK, to - o);
            sigmoid(slice(in, o, count), slice(out, o, count), 0, count, log);
        }
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
        void part(MemorySegment in, MemorySegment out, int base, int len, int u);
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
            body.part(sliceWithSlack(r.in().asHostSegment(), o * n + c0, len),
                    writes ? sliceWithSlack(r.out().asHostSegment(), o * n + c0, len) : null, 0, len, (int) u);
        }
    }

    @Override
    public void splitMaxSum(OpRequest r, long from, long to, int parts, double[] max, double[] sum, boolean store) {
        throw new UnsupportedOperationException(CUT_ROWS);
    }

    @Override
    public void splitFinish(OpRequest r, long from, long to, int parts, double[] factor, double[] rowMax,
                            double[] logSum, boolean log) {
        throw new UnsupportedOperationException(CUT_ROWS);
    }

    /**
     * Why bfloat16 rows are not cut across threads: the parts' exps would wait in the output between
     * the two halves, rounded to bfloat16 once more.
     */
    private static final String CUT_ROWS = "bfloat16 rows are not cut across threads (VectorSoftmaxKernel keeps them whole)";

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
        MemorySegment in;
        MemorySegment out;
        /**
         * Where the exp pass leaves the exps for the scale pass, indexed as out: the thread's float32
         * array, so that they are rounded to bfloat16 once, by the scale pass (stored rounded they
         * were rounded twice, and the exp loop's rounding constants pushed its own out of the
         * registers: 1.8x slower).
         */
        float[] exps;
        int base;
        int n;
        int rows;
        float invT;
        /** Whether the exp pass writes the exps into out (softmax's numerators). */
        boolean store;
        /**
         * What the short rows' sum tree leaves: the sums, or the factors 1 / sum or log(sum). With
         * reciprocals (softmax) it goes on to scale the exps: one pass call fewer.
         */
        int finish;
        /**
         * Rows of the next group (which follows this one in in) whose maxes the exp pass takes
         * into nextMax while it computes, and whether this group's maxes were so taken.
         */
        int ahead;
        boolean maxReady;
        float[] nextMax;
        float[] max;
        final double[] sum;
        final float[] factor;
        /**
         * Short rows: row j's lane-wise max, then its lane-wise sum of exps, at [j * L, (j + 1) * L),
         * reduced L rows at a time by {@link #maxTree} and {@link #sumTreePass}.
         */
        final float[] lanes;

        Group(int capacity) {
            // Whole blocks of L rows for the short rows' trees.
            capacity = (capacity + L - 1) / L * L;
            lanes = new float[capacity * L];
            max = new float[capacity];
            nextMax = new float[capacity];
            sum = new double[capacity];
            factor = new float[capacity];
        }

        void set(MemorySegment in, MemorySegment out, int base, int n, int rows, float invT) {
            this.in = in;
            this.out = out;
            this.base = base;
            this.n = n;
            this.rows = rows;
            this.invT = invT;
        }
    }

    /** Where g's exp pass leaves the exps for its scale pass (out itself, but for bfloat16). */
    private static float[] exps(Group g) {
        return g.exps;
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
            , "oneVectorSoftmaxPass", "expAheadPass"
            );
    private static final int SUM_TREE = 8;
    private static final int SUM_TREE_SCALE = 9;
    /** {@link Group#finish}. */
    private static final int SUMS = 0;
    private static final int RECIPROCALS = 1;
    private static final int LOGS = 2;
    /** {@link #oneVectorSoftmaxPass} and {@link #expAheadPass}, float32 only. */
    private static final int ONE_VECTOR_SOFTMAX = 10;
    private static final int EXP_AHEAD = 11;
    /** Index of a pass's short-row twin in {@link #PASSES}. */
    private static final int SHORT = 4;

    private static MethodHandle[] passes(String... names) {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodType type = MethodType.methodType(void.class, Group.class);
        MethodHandle[] handles = new MethodHandle[names.length];
        try {
            for (int i = 0; i < names.length; i++) {
                handles[i] = lookup.findStatic(BFloat16SegmentRows.class, names[i], type);
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

    /** {@link #expPass} that also takes the next group's maxes (see {@link #AHEAD_ROW}). */
    private static void expAheadPass(Group g) {
        int next = g.base + g.rows * g.n;
        for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
            // A row without a next to read reads itself again (from L1): no branch in the loop.
            g.sum[j] = rowExpSumAhead(g.in, g.store ? exps(g) : null, b, g.n, g.max[j], g.invT, g.store,
                    j < g.ahead ? next + j * g.n : b, g.nextMax, j);
        }
    }

    private static void expPass(Group g) {
        for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
            g.sum[j] = rowExpSum(g.in, g.store ? exps(g) : null, b, g.n, g.max[j], g.invT, g.store);
        }
    }

    private static void scalePass(Group g) {
        for (int j = 0, b = g.base; j < g.rows; j++, b += g.n) {
            rowScale(g.exps, g.out, b, g.n, g.factor[j]);
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
        FloatVector none = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        // Locals: C2 reloads (and re-checks) a field after every store into a segment.
        MemorySegment in = g.in;
        float[] lanes = g.lanes;
        int n = g.n;
        int rows = g.rows;
        int k = vectors(n);
        int at = (k - 1) * L;
        VectorMask<Float> first = S.indexInRange(0, n);
        VectorMask<Float> last = S.indexInRange(at, n);
        for (int j = 0, b = g.base; j < rows; j++, b += n) {
            FloatVector v = ld(in, b);
            FloatVector m = none.blend(v, v.compare(VectorOperators.GT, none).and(first));
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
        FloatVector vt = FloatVector.broadcast(S, g.invT);
        boolean scaled = g.invT != 1;
        MemorySegment in = g.in;
        float[] exps = exps(g);
        boolean store = g.store;
        float[] max = g.max;
        float[] lanes = g.lanes;
        int n = g.n;
        int k = vectors(n);
        int total = g.rows * k;
        VectorMask<Float> first = S.indexInRange(0, n);
        VectorMask<Float> last = S.indexInRange((k - 1) * L, n);
        boolean whole = n % L == 0;
        FloatVector s = FloatVector.zero(S);
        for (int v = 0, j = 0, c = 0, b = g.base; v < total; v++) {
            int i = c * L;
            VectorMask<Float> row = c == k - 1 ? last : first;
            FloatVector e = VectorMath.expNonPositive(shifted(ld(in, b + i), FloatVector.broadcast(S, max[j]), vt, scaled))
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
                s = FloatVector.zero(S);
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
    private static final float[] TREE_LO = treeIndex(0);
    private static final float[] TREE_HI = treeIndex(1);

    private static float[] treeIndex(int half) {
        int levels = Integer.numberOfTrailingZeros(L);
        float[] idx = new float[Math.max(1, levels) * L];
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
    private static void padLanes(Group g, float v) {
        java.util.Arrays.fill(g.lanes, g.rows * L, (g.rows + L - 1) / L * L * L, v);
    }

    /** g.max[j]: the largest lane of row j's lane-wise max, L rows per tree. */
    private static void maxTree(Group g) {
        padLanes(g, Float.NEGATIVE_INFINITY);
        float[] a = g.lanes;
        int end = g.rows * L;
        // A level at a time over all the group's trees: each level's selections are converted
        // to lane indices once (selectFrom's float indices), not once per tree.
        for (int v = 0, c = L / 2; c > 0; v++, c >>= 1) {
            FloatVector lo = FloatVector.fromArray(S, TREE_LO, v * L);
            FloatVector hi = FloatVector.fromArray(S, TREE_HI, v * L);
            for (int o = 0; o < end; o += L * L) {
                for (int p = 0; p < c; p++) {
                    FloatVector x = FloatVector.fromArray(S, a, o + 2 * p * L);
                    FloatVector y = FloatVector.fromArray(S, a, o + (2 * p + 1) * L);
                    FloatVector l = lo.selectFrom(x, y);
                    FloatVector r = hi.selectFrom(x, y);
                    l.blend(r, r.compare(VectorOperators.GT, l)).intoArray(a, o + p * L);
                }
            }
        }
        for (int o = 0; o < end; o += L * L) {
            System.arraycopy(a, o, g.max, o / L, L);
        }
    }

    /**
     * g.sum[j]: the sum of row j's lane-wise sums, L rows per tree (in bfloat16, as the lanes); or
     * g.factor[j] = 1 / sum (softmax) or log(sum) (log-softmax), by g.finish, L rows per vector op
     * (a scalar log a row cost log-softmax rows of 32 floats a quarter of their time).
     */
    private static void sumTreePass(Group g) {
        padLanes(g, 0);
        float[] a = g.lanes;
        int end = g.rows * L;
        for (int v = 0, c = L / 2; c > 0; v++, c >>= 1) {
            FloatVector lo = FloatVector.fromArray(S, TREE_LO, v * L);
            FloatVector hi = FloatVector.fromArray(S, TREE_HI, v * L);
            for (int o = 0; o < end; o += L * L) {
                for (int p = 0; p < c; p++) {
                    FloatVector x = FloatVector.fromArray(S, a, o + 2 * p * L);
                    FloatVector y = FloatVector.fromArray(S, a, o + (2 * p + 1) * L);
                    lo.selectFrom(x, y).add(hi.selectFrom(x, y)).intoArray(a, o + p * L);
                }
            }
        }
        for (int o = 0; o < end; o += L * L) {
            if (g.finish == RECIPROCALS) {
                FloatVector.broadcast(S, 1).div(FloatVector.fromArray(S, a, o)).intoArray(g.factor, o / L);
            } else if (g.finish == LOGS) {
                VectorMath.log(FloatVector.fromArray(S, a, o)).intoArray(g.factor, o / L);
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
        float[] exps = exps(g);
        MemorySegment out = g.out;
        float[] factor = g.factor;
        int n = g.n;
        int rows = g.rows;
        int k = vectors(n);
        int at = (k - 1) * L;
        VectorMask<Float> last = S.indexInRange(at, n);
        boolean whole = n % L == 0;
        for (int j = 0, b = g.base; j < rows; j++, b += n) {
            FloatVector f = FloatVector.broadcast(S, factor[j]);
            if (k > 1) {
                st(ld(exps, b).mul(f), out, b);
            }
            if (k > 2) {
                st(ld(exps, b + L).mul(f), out, b + L);
            }
            if (k > 3) {
                st(ld(exps, b + 2 * L).mul(f), out, b + 2 * L);
            }
            FloatVector y = ld(exps, b + at).mul(f);
            if (whole) {
                st(y, out, b + at);
            } else {
                st(y, out, b + at, last);
            }
        }
    }

    /** out = (x - max) * invT - log(sum) over short rows, straight as their other passes. */
    private static void shortLogNormalizePass(Group g) {
        FloatVector vt = FloatVector.broadcast(S, g.invT);
        boolean scaled = g.invT != 1;
        MemorySegment in = g.in;
        MemorySegment out = g.out;
        float[] max = g.max;
        float[] factor = g.factor;
        int n = g.n;
        int rows = g.rows;
        int k = vectors(n);
        int at = (k - 1) * L;
        VectorMask<Float> last = S.indexInRange(at, n);
        boolean whole = n % L == 0;
        for (int j = 0, b = g.base; j < rows; j++, b += n) {
            float m = max[j];
            FloatVector vm = FloatVector.broadcast(S, m);
            FloatVector vl = FloatVector.broadcast(S, factor[j]);
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
                FloatVector y = shifted(ld(in, b + at), vm, vt, scaled).sub(vl);
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
     * Softmax of float32 rows of fewer than L elements in one pass: the row is one vector, loaded once
     * and kept in registers from its max to its store (2x the three passes on rows of 10). Not for
     * longer rows, whose inner loops then serialize each row's max, exps and scale (rows of 20 and
     * 32 ran at half speed), nor for log-softmax, whose log call in the loop spills the vectors.
     */
    private static void oneVectorSoftmaxPass(Group g) {
        FloatVector vt = FloatVector.broadcast(S, g.invT);
        boolean scaled = g.invT != 1;
        FloatVector none = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        MemorySegment in = g.in;
        MemorySegment out = g.out;
        int n = g.n;
        int rows = g.rows;
        VectorMask<Float> k = S.indexInRange(0, n);
        for (int j = 0, b = g.base; j < rows; j++, b += n) {
            FloatVector x = ld(in, b);
            FloatVector vm = FloatVector.broadcast(S, none.blend(x, x.compare(VectorOperators.GT, none).and(k))
                    .reduceLanes(VectorOperators.MAX));
            FloatVector e = VectorMath.expNonPositive(shifted(x, vm, vt, scaled)).blend(0, k.not());
            st(e.mul((float) (1.0 / VectorMath.sum(e))), out, b, k);
        }
    }

    /**
     * Softmax, log-softmax or logsumexp (into lse[lseAt + j]) of rows [0, rows) from base, in
     * groups of {@link #GROUP_BYTES} or {@link #LONG_GROUP_BYTES}; the last rows, whose whole vectors would read past the end of
     * either buffer, are staged with a vector of padding and run there.
     */
    static void rowGroups(RowOp op, MemorySegment in, MemorySegment out, int base, int n, int rows, float invT, double[] lse, int lseAt) {
        int limit = out == null ? length(in) : Math.min(length(in), length(out));
        int safe = (int) Math.max(0, Math.min(rows, Math.floorDiv((long) limit - base - span(n), n) + 1));
        // Short rows: whole blocks of L rows, the unit of their trees.
        int per = n <= SHORT_ROW ? Math.min(safe, (GROUP_BYTES / Short.BYTES / n + L - 1) / L * L)
                : Math.max(1, Math.min(safe, LONG_GROUP_BYTES / Short.BYTES / n));
        per = Math.max(1, per);
        Group g = new Group(per);
        g.exps = out == null ? null : expsArray(length(out));
        for (int j = 0; j < safe; j += per) {
            int count = Math.min(per, safe - j);
            g.set(in, out, base + j * n, n, count, invT);
            g.ahead = n <= AHEAD_ROW ? 0 : Math.min(count, safe - j - count);
            group(op, g, lse, lseAt + j);
        }
        if (safe < rows) {
            int from = base + safe * n;
            int count = (rows - safe) * n;
            float[] stage = new float[count + L];
            copyOut(in, from, stage, count);
            FloatRows.rowGroups(op, stage, op == RowOp.LOG_SUM_EXP ? null : stage, 0, n, rows - safe, invT, lse,
                    lseAt + safe);
            if (op != RowOp.LOG_SUM_EXP) {
                copyIn(stage, out, from, count);
            }
        }
    }

    private static void group(RowOp op, Group g, double[] lse, int lseAt) {
        // Ragged rows of one vector only: a whole vector runs the short passes faster (rows of 16
        // floats 1.2x), rows of 10 or 3 slower (0.84x, 0.91x: two masked stores a row there).
        if (op == RowOp.SOFTMAX && g.n < L) {
            invoke(ONE_VECTOR_SOFTMAX, g);
            return;
        }
        // Long log-softmax rows store their exps too, to be overwritten: the exp pass then takes the
        // output's first-write misses while it computes, not the light normalize pass (rows of 32K:
        // 1.2x). Not in place, where the normalize pass needs the input and writes lines it holds.
        // (Not into the exps' array, which is not the output.)
        g.store = op == RowOp.SOFTMAX;
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
                    float max = g.max[j];
                    // Empty, all -inf or containing +inf: the sum is not needed, only whether a NaN
                    // hides (torch's rules for infinities).
                    lse[lseAt + j] = Float.isInfinite(max) ? (rowHasNaN(g.in, b, g.n) ? Double.NaN : max)
                            : max + Math.log(g.sum[j]);
                }
            }
        }
    }

    /** Whether a and b start at the same element (an in-place call). */
    private static boolean sameStart(MemorySegment a, MemorySegment b) {
        return a.address() == b.address() && a.heapBase().orElse(null) == b.heapBase().orElse(null);
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
        if (g.max[0] == Float.NEGATIVE_INFINITY) {
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
        if (g.maxReady) {
            float[] m = g.max;
            g.max = g.nextMax;
            g.nextMax = m;
        } else {
            invoke(MAX, g);
        }
        invoke(g.ahead > 0 ? EXP_AHEAD : EXP, g);
        g.maxReady = g.ahead > 0;
        // Long rows' factors in fp64, a row at a time: one division or log a row of many elements.
        if (g.finish == RECIPROCALS) {
            for (int j = 0; j < g.rows; j++) {
                g.factor[j] = (float) (1.0 / g.sum[j]);
            }
        } else if (g.finish == LOGS) {
            for (int j = 0; j < g.rows; j++) {
                g.factor[j] = (float) Math.log(g.sum[j]);
            }
        }
    }

    /** Max of the row, ignoring NaN; -inf for an empty or all-NaN row. Four accumulators: compare and blend chain. */
    static float rowMax(MemorySegment in, int base, int n) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            FloatVector v0 = ld(in, base + i);
            FloatVector v1 = ld(in, base + i + L);
            FloatVector v2 = ld(in, base + i + 2 * L);
            FloatVector v3 = ld(in, base + i + 3 * L);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
            m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
            m3 = m3.blend(v3, v3.compare(VectorOperators.GT, m3));
        }
        for (; i <= n - L; i += L) {
            FloatVector v = ld(in, base + i);
            m0 = m0.blend(v, v.compare(VectorOperators.GT, m0));
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector v = ld(in, base + i, k);
            m1 = m1.blend(v, v.compare(VectorOperators.GT, m1).and(k));
        }
        m0 = m0.blend(m1, m1.compare(VectorOperators.GT, m0));
        m2 = m2.blend(m3, m3.compare(VectorOperators.GT, m2));
        return m0.blend(m2, m2.compare(VectorOperators.GT, m0)).reduceLanes(VectorOperators.MAX);
    }

    /** {@link #rowMax} of a row whose whole vectors lie inside in: the tail is a whole vector too, masked in the compare. */
    static float groupRowMax(MemorySegment in, int base, int n) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            FloatVector v0 = ld(in, base + i);
            FloatVector v1 = ld(in, base + i + L);
            FloatVector v2 = ld(in, base + i + 2 * L);
            FloatVector v3 = ld(in, base + i + 3 * L);
            m0 = m0.blend(v0, v0.compare(VectorOperators.GT, m0));
            m1 = m1.blend(v1, v1.compare(VectorOperators.GT, m1));
            m2 = m2.blend(v2, v2.compare(VectorOperators.GT, m2));
            m3 = m3.blend(v3, v3.compare(VectorOperators.GT, m3));
        }
        for (; i < n; i += L) {
            FloatVector v = ld(in, base + i);
            m0 = m0.blend(v, v.compare(VectorOperators.GT, m0).and(S.indexInRange(i, n)));
        }
        m0 = m0.blend(m1, m1.compare(VectorOperators.GT, m0));
        m2 = m2.blend(m3, m3.compare(VectorOperators.GT, m2));
        return m0.blend(m2, m2.compare(VectorOperators.GT, m0)).reduceLanes(VectorOperators.MAX);
    }

    /** The logit (x - max) * invT; {@code scaled} false means invT is 1 and saves the multiply. */
    private static FloatVector shifted(FloatVector x, FloatVector vm, FloatVector vt, boolean scaled) {
        FloatVector d = x.sub(vm);
        return scaled ? d.mul(vt) : d;
    }

    /**
     * Sum of exp((x - max) * invT) over a row whose whole vectors lie inside in, in fp64 (fp32
     * vectors over blocks of {@link #BLOCK} elements folded into fp64); when {@code store}, the
     * exp values are also written to {@code out} (the softmax numerators) under the row's mask.
     */
    static double rowExpSum(MemorySegment in, float[] out, int base, int n, float max, float invT, boolean store) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        double total = 0;
        FloatVector last = FloatVector.zero(S);
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + BLOCK);
            FloatVector s = FloatVector.zero(S);
            for (; i < end; i += L) {
                FloatVector e = VectorMath.expNonPositive(shifted(ld(in, base + i), vm, vt, scaled));
                if (i + L > end) {
                    // The row's ragged last vector: the same exp (a second exp call would cost the
                    // budget), its lanes past the row dropped.
                    VectorMask<Float> k = S.indexInRange(i, end);
                    e = e.blend(0, k.not());
                    last = e;
                } else if (store) {
                    st(e, out, base + i);
                }
                s = s.add(e);
            }
            total += VectorMath.sum(s);
        }
        storeRaggedEnd(last, out, base, n, store);
        return total;
    }

    /**
     * The ragged last vector of a row of n from base, when {@code store}: out of the exp loop, whose
     * segment accesses a masked store in it slowed for every vector (rows of 1,000 floats 1.45x
     * slower than rows of 1,008, 1.15x after; in arrays the store stays in the loop, where it
     * costs nothing and moving it cost 1.15x).
     */
    private static void storeRaggedEnd(FloatVector last, float[] out, int base, int n, boolean store) {
        int tail = n % L;
        if (store && tail != 0) {
            st(last, out, base + n - tail, S.indexInRange(0, tail));
        }
    }

    /**
     * {@link #rowExpSum} that meanwhile takes the max of the row of n at {@code next} (whose whole
     * vectors must lie in {@code in} too) into nextMax[at], so that the next row's loads overlap
     * this row's exps. A pass of its own: a row without a next row, reading itself instead, ran
     * 10% slower (rows of 32K, one at a time).
     */
    static double rowExpSumAhead(MemorySegment in, float[] out, int base, int n, float max, float invT, boolean store,
                                 int next, float[] nextMax, int at) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        double total = 0;
        FloatVector last = FloatVector.zero(S);
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + BLOCK);
            FloatVector s = FloatVector.zero(S);
            for (; i < end; i += L) {
                FloatVector e = VectorMath.expNonPositive(shifted(ld(in, base + i), vm, vt, scaled));
                FloatVector v = ld(in, next + i);
                VectorMask<Float> up = v.compare(VectorOperators.GT, m);
                if (i + L > end) {
                    // As in rowExpSum.
                    VectorMask<Float> k = S.indexInRange(i, end);
                    e = e.blend(0, k.not());
                    up = up.and(k);
                    last = e;
                } else if (store) {
                    st(e, out, base + i);
                }
                m = m.blend(v, up);
                s = s.add(e);
            }
            total += VectorMath.sum(s);
        }
        storeRaggedEnd(last, out, base, n, store);
        nextMax[at] = m.reduceLanes(VectorOperators.MAX);
        return total;
    }


    /**
     * out = exps * scale, exps indexed as out, over a row whose whole vectors lie inside both. A
     * scale that is not NaN leaves no NaN (exps lie in [0, 1], and are NaN only where the sum is):
     * the stores then round without the NaN lanes' blend (rows of 32K 1.1x).
     */
    static void rowScale(float[] exps, MemorySegment out, int base, int n, float scale) {
        if (!Float.isNaN(scale)) {
            FloatVector f = FloatVector.broadcast(S, scale);
            int i = 0;
            for (int up = S.loopBound(n); i < up; i += L) {
                stNumbers(ld(exps, base + i).mul(f), out, base + i);
            }
            if (i < n) {
                st(ld(exps, base + i).mul(f), out, base + i, S.indexInRange(i, n));
            }
            return;
        }
        FloatVector f = FloatVector.broadcast(S, scale);
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
    private static FloatVector logit(FloatVector x, FloatVector vm, FloatVector vt) {
        FloatVector d = x.sub(vm);
        VectorMask<Float> overflow = d.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)
                .andNot(x.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
        FloatVector z = d.mul(vt);
        return overflow.anyTrue() ? z.blend(x.mul(vt).sub(vm.mul(vt)), overflow) : z;
    }

    /**
     * Below this row max, x - max cannot overflow for any finite x (it stays within half an ulp of
     * the largest finite value, so it rounds to it), and the logit needs no overflow check.
     */
    private static final float NO_OVERFLOW_MAX = 1e31f;

    /** out = (x - max) * invT - logSum over a row whose whole vectors lie inside in. */
    static void rowLogNormalize(MemorySegment in, MemorySegment out, int base, int n, float max, float invT, float logSum) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        FloatVector vl = FloatVector.broadcast(S, logSum);
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

    static boolean rowHasNaN(MemorySegment in, int base, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            if (ld(in, base + i, k).test(VectorOperators.IS_NAN).and(k).anyTrue()) {
                return true;
            }
        }
        return false;
    }

    /** Index of the first maximum; the first NaN wins (numpy / torch argmax). The row must be non-empty. */
    static int argmaxRow(MemorySegment in, int base, int n) {
        float max = rowMax(in, base, n);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            VectorMask<Float> nan = ld(in, base + i, k).test(VectorOperators.IS_NAN).and(k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        FloatVector vm = FloatVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            VectorMask<Float> hit = ld(in, base + i, k).compare(VectorOperators.EQ, vm).and(k);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        throw new AssertionError("no element equals the row max " + max);
    }

    static void hardmaxRow(MemorySegment in, MemorySegment out, int base, int n) {
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
        MethodType type = MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class, float[].class, int.class, int.class);
        MethodHandle[] handles = new MethodHandle[names.length];
        try {
            for (int i = 0; i < names.length; i++) {
                handles[i] = lookup.findStatic(BFloat16SegmentRows.class, names[i], type);
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        return handles;
    }

    private static void runElementwise(int pass, MemorySegment in, MemorySegment out, float[] e, int from, int count) {
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
    static void sigmoid(MemorySegment in, MemorySegment out, int from, int to, boolean log) {
        int full = from + S.loopBound(to - from);
        float[] e = log ? new float[Math.min(ELEMENTS, full - from)] : null;
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
            float[] stage = new float[L];
            copyOut(in, full, stage, to - full);
            FloatRows.sigmoid(stage, stage, 0, L, log);
            copyIn(stage, out, full, to - full);
        }
    }

    /** out = sigmoid(x) over whole vectors [from, from + count): 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below, never overflowing. */
    private static void sigmoidPass(MemorySegment in, MemorySegment out, float[] unused, int from, int count) {
        for (int i = from, end = from + count; i < end; i += L) {
            FloatVector x = ld(in, i);
            FloatVector e = VectorMath.expNonPositive(x.abs().neg());
            st(e.blend(1, x.compare(VectorOperators.GE, 0)).div(e.add(1)), out, i);
        }
    }

    /** e[i - from] = exp(-|x|) over whole vectors [from, from + count). */
    private static void expNegAbsPass(MemorySegment in, MemorySegment unused, float[] e, int from, int count) {
        for (int i = 0; i < count; i += L) {
            VectorMath.expNonPositive(ld(in, from + i).abs().neg()).intoArray(e, i);
        }
    }

    /** out = log(sigmoid(x)) = min(x, 0) - log1p(e) over whole vectors, e from {@link #expNegAbsPass}; the blend keeps NaN. */
    private static void logSigmoidPass(MemorySegment in, MemorySegment out, float[] e, int from, int count) {
        for (int i = 0; i < count; i += L) {
            FloatVector x = ld(in, from + i);
            st(x.blend(0, x.compare(VectorOperators.GT, 0)).sub(VectorMath.log1p(FloatVector.fromArray(S, e, i))), out, from + i);
        }
    }

    // ---- strided slices ----

    /** Inner slices per strided work unit (a tile of a slab), as {@link FloatRows#TILE}. */
    static int tiles(OpRequest r) {
        return (int) ((r.inner() + FloatRows.TILE - 1) / FloatRows.TILE);
    }

    // Strided slabs of segments: each slab (the axis and everything after it) is copied into the
    // thread's staging array, computed there in place by the array twin, and copied back.

    @Override
    public long stridedUnits(OpRequest r) {
        return r.outer();
    }

    /** Copies slab o of in into the stage (plus room for {@code extra} elements after it). */
    private static float[] stage(OpRequest r, long o, int slab, int extra, FloatRows.Scratch s) {
        float[] a = s.stage(slab + extra);
        copyOut(r.in().asHostSegment(), o * slab, a, slab);
        return a;
    }

    @Override
    public void softmaxStrided(OpRequest r, long from, long to, boolean log) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        int slab = n * inner;
        float invT = (float) (1.0 / r.temperature());
        FloatRows.Scratch s = FloatRows.scratch();
        for (long o = from; o < to; o++) {
            float[] a = stage(r, o, slab, 0, s);
            FloatRows.softmaxTiles(a, a, 0, n, inner, 0, tiles(r), invT, log, s);
            copyIn(a, r.out().asHostSegment(), o * slab, slab);
        }
    }

    @Override
    public void logSumExpStrided(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        int slab = n * inner;
        FloatRows.Scratch s = FloatRows.scratch();
        for (long o = from; o < to; o++) {
            float[] a = stage(r, o, slab, inner, s);
            FloatRows.logSumExpTiles(a, a, 0, n, inner, 0, tiles(r), slab, s);
            copyIn(java.util.Arrays.copyOfRange(a, slab, slab + inner), r.out().asHostSegment(), o * inner, inner);
        }
    }

    @Override
    public void argmaxStrided(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        int slab = n * inner;
        FloatRows.Scratch s = FloatRows.scratch();
        for (long o = from; o < to; o++) {
            float[] a = stage(r, o, slab, 0, s);
            FloatRows.argmaxTiles(a, indices(r), 0, n, inner, 0, tiles(r), Math.toIntExact(o * inner), s);
        }
    }

    @Override
    public void hardmaxStrided(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int inner = (int) r.inner();
        int slab = n * inner;
        FloatRows.Scratch s = FloatRows.scratch();
        for (long o = from; o < to; o++) {
            float[] a = stage(r, o, slab, 0, s);
            FloatRows.hardmaxTiles(a, a, 0, n, inner, 0, tiles(r), s);
            copyIn(a, r.out().asHostSegment(), o * slab, slab);
        }
    }
}
