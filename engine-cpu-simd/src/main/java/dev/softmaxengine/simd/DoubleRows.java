// GENERATED from engine-cpu-simd/src/template/Rows.java.template by Spp.java: edit the template,
// then run `java engine-cpu-simd/src/template/Spp.java --write` from the repository root.
package dev.softmaxengine.simd;

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
 * <p>C2 notes: loops keep int induction variables and one exp per iteration (more exps in one
 * method hit C2's NodeCountInliningCutoff and leave them out of line, boxed: 2x slower); tails use
 * unmasked compares and tests combined with {@code .and(mask)}, because the masked overloads are
 * not intrinsified (they run the Java fallback, ~4x slower per row with a ragged tail).
 */
final class DoubleRows implements RowKernels {
    static final DoubleRows INSTANCE = new DoubleRows();

    private DoubleRows() {
    }

    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elements summed per vector accumulator before the partial sum is folded into fp64. */
    static final int BLOCK = 1024;
    /** Rows up to this long take {@link #shortRows}: per-row overhead dominates there. */
    static final int SHORT_ROW = 4 * L;

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
        forRowBlocks(r, from, to, true, (in, out, first, rows, base) -> {
            if (n > SHORT_ROW) {
                int limit = length(in);
                for (int j = 0; j < rows; j++) {
                    softmaxLongRow(in, out, base + j * n, n, invT, log, limit);
                }
            } else {
                shortRows(in, out, base, n, rows, invT, log, Math.min(length(in), length(out)));
            }
        });
    }

    @Override
    public void logSumExp(OpRequest r, long from, long to) {
        int n = (int) r.n();
        forRowBlocks(r, from, to, false, (in, out, first, rows, base) -> {
            int limit = length(in);
            for (int j = 0; j < rows; j++) {
                putReduced(r, first + j, logSumExpRow(in, base + j * n, n, limit));
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
        forParts(r, from, to, parts, store, (in, out, base, len, u) -> {
            double m = rowMax(in, base, len);
            max[u] = m;
            if (m == Double.NEGATIVE_INFINITY) {
                // Only -inf (or NaN) here: no mass, unless a NaN poisons the row; inf - inf would.
                sum[u] = rowHasNaN(in, base, len) ? Double.NaN : 0;
                if (store) {
                    zero(out, base, base + len);
                }
            } else if (base + span(len) <= length(in)) {
                sum[u] = rowExpSum(in, out, base, len, m, invT, store);
            } else {
                double[] stage = new double[span(len)];
                copyOut(in, base, stage, len);
                sum[u] = DoubleRows.rowExpSum(stage, stage, 0, len, m, invT, store);
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
        forParts(r, from, to, parts, true, (in, out, base, len, u) -> {
            if (log) {
                rowLogNormalize(in, out, base, len, (double) rowMax[u / parts], invT, (double) logSum[u / parts]);
            } else {
                rowScale(out, base, len, (double) factor[u]);
            }
        });
    }

    // ---- contiguous rows ----
    //
    // C2's budget: C2 stops inlining a compiled root's calls once parsing it has made 18,000 nodes
    // (NodeCountInliningCutoff, fixed in product JVMs). The Vector API's own methods are still
    // inlined late, but the calls of ours left (ld, st, the exp) stay out of line with their vectors
    // boxed: 3-30x slower. A Vector API op costs about 430 parse nodes, an exp 7,000 (float) or
    // 9,000 (double). So each method below that runs an exp has one exp call site, tails run the
    // loop's own body under a mask rather than a second copy of it, and constants are vectors.
    // InliningTest fails when a root of ours overflows again. (Static final vector constants would
    // cost fewer nodes, but C2 reloads them at every use: the float exp ran at half speed.)

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

    /** The logit (x - max) * invT; {@code scaled} false means invT is 1 and saves the multiply. */
    private static DoubleVector shifted(DoubleVector x, DoubleVector vm, DoubleVector vt, boolean scaled) {
        DoubleVector d = x.sub(vm);
        return scaled ? d.mul(vt) : d;
    }

    /**
     * Sum of exp((x - max) * invT) over the row, in fp64; when {@code store}, the exp values are
     * also written to {@code out} (the softmax numerators). The loads are whole vectors, so the
     * row's whole vectors must lie inside {@code in} (base + span(n) <= its length; callers stage
     * the rows that end a buffer); the stores are masked.
     */
    static double rowExpSum(double[] in, double[] out, int base, int n, double max, double invT, boolean store) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        double total = 0;
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + BLOCK);
            DoubleVector s = DoubleVector.zero(S);
            for (; i < end; i += L) {
                VectorMask<Double> k = S.indexInRange(i, end);
                DoubleVector e = VectorMath.expNonPositive(shifted(ld(in, base + i), vm, vt, scaled));
                if (store) {
                    st(e, out, base + i, k);
                }
                s = s.add(e.blend(0, k.not()));
            }
            total += VectorMath.sum(s);
        }
        return total;
    }

    /** out = out * scale over the row. */
    static void rowScale(double[] out, int base, int n, double scale) {
        DoubleVector f = DoubleVector.broadcast(S, scale);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            st(ld(out, base + i).mul(f), out, base + i);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            st(ld(out, base + i, k).mul(f), out, base + i, k);
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

    /** out = (x - max) * invT - logSum over the row. */
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
            VectorMask<Double> k = S.indexInRange(i, n);
            st(logit(ld(in, base + i, k), vm, vt).sub(vl), out, base + i, k);
        }
    }

    /** Rows per group of the short-row passes: the group's rows stay in L1 between its two passes. */
    private static final int GROUP = 64;

    /**
     * Softmax (log-softmax when {@code log}) of {@code rows} rows of at most {@link #SHORT_ROW}
     * elements from {@code base}, in groups of {@link #GROUP} rows and two passes per group: the exp
     * pass leaves each row's lane-wise partial sum (and max) in scratch, the second pass reduces it
     * and normalizes (two roots within C2's budget, see above). The rows' loads are whole vectors
     * that read past the row's end (a masked load costs C2 three times the nodes and runs 3x
     * slower); stores are masked. So the last rows, whose vectors would read past the end of
     * {@code limit} elements of either buffer, are staged with a vector of padding and run there.
     */
    static void shortRows(double[] in, double[] out, int base, int n, int rows, double invT, boolean log, int limit) {
        if (n % L == 0) {
            if (log) {
                logSoftmaxWholeVectorRows(in, out, base, n, rows, invT);
            } else {
                softmaxWholeVectorRows(in, out, base, n, rows, invT);
            }
            return;
        }
        int safe = (int) Math.max(0, Math.min(rows, Math.floorDiv((long) limit - base - span(n), n) + 1));
        double[] partials = new double[GROUP * L];
        double[] maxes = new double[GROUP];
        for (int g = 0; g < safe; g += GROUP) {
            int count = Math.min(GROUP, safe - g);
            int at = base + g * n;
            if (log) {
                shortExpSums(in, null, at, n, count, invT, maxes, partials);
                shortLogNormalize(in, out, at, n, count, invT, maxes, partials);
            } else {
                shortExpSums(in, out, at, n, count, invT, maxes, partials);
                shortScale(out, at, n, count, partials);
            }
        }
        if (safe < rows) {
            int from = base + safe * n;
            int count = (rows - safe) * n;
            double[] stage = new double[count + L];
            copyOut(in, from, stage, count);
            DoubleRows.shortRows(stage, stage, 0, n, rows - safe, invT, log, stage.length);
            copyIn(stage, out, from, count);
        }
    }

    /**
     * Softmax of short rows of whole vectors: no masks, and both passes of a row in one loop turn
     * (measured 17% faster on rows of 32 floats than the grouped passes ragged rows take).
     */
    static void softmaxWholeVectorRows(double[] in, double[] out, int base, int n, int rows, double invT) {
        for (int end = base + rows * n; base < end; base += n) {
            softmaxWholeVectorRow(in, out, base, n, invT);
        }
    }

    /** One row of {@link #softmaxWholeVectorRows}: a call per row ran 15% faster than the loop inlined. */
    private static void softmaxWholeVectorRow(double[] in, double[] out, int base, int n, double invT) {
        int full = S.loopBound(n);
        DoubleVector vm = DoubleVector.broadcast(S, wholeVectorRowMax(in, base, full));
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        DoubleVector sum = DoubleVector.zero(S);
        for (int i = 0; i < full; i += L) {
            DoubleVector e = VectorMath.expNonPositive(shifted(ld(in, base + i), vm, vt, scaled));
            st(e, out, base + i);
            sum = sum.add(e);
        }
        DoubleVector f = DoubleVector.broadcast(S, (double) (1.0 / VectorMath.sum(sum)));
        for (int i = 0; i < full; i += L) {
            st(ld(out, base + i).mul(f), out, base + i);
        }
    }

    private static double wholeVectorRowMax(double[] in, int base, int n) {
        DoubleVector max = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) {
            DoubleVector v = ld(in, base + i);
            max = max.blend(v, v.compare(VectorOperators.GT, max));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /** Log-softmax of short rows of whole vectors (see {@link #softmaxWholeVectorRows}). */
    static void logSoftmaxWholeVectorRows(double[] in, double[] out, int base, int n, int rows, double invT) {
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        for (int end = base + rows * n; base < end; base += n) {
            DoubleVector mv = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
            for (int i = 0; i < n; i += L) {
                DoubleVector v = ld(in, base + i);
                mv = mv.blend(v, v.compare(VectorOperators.GT, mv));
            }
            double max = mv.reduceLanes(VectorOperators.MAX);
            DoubleVector vm = DoubleVector.broadcast(S, max);
            DoubleVector sum = DoubleVector.zero(S);
            for (int i = 0; i < n; i += L) {
                sum = sum.add(VectorMath.expNonPositive(shifted(ld(in, base + i), vm, vt, scaled)));
            }
            DoubleVector vl = DoubleVector.broadcast(S, (double) Math.log(VectorMath.sum(sum)));
            if (max < NO_OVERFLOW_MAX) {
                for (int i = 0; i < n; i += L) {
                    st(shifted(ld(in, base + i), vm, vt, scaled).sub(vl), out, base + i);
                }
            } else {
                for (int i = 0; i < n; i += L) {
                    st(logit(ld(in, base + i), vm, vt).sub(vl), out, base + i);
                }
            }
        }
    }

    /** Elements the whole vectors of a row of n span from its start. */
    private static int span(int n) {
        return (n + L - 1) / L * L;
    }

    /**
     * The exp pass of short rows whose whole vectors lie inside the buffers: row j's max into
     * maxes[j], its lane-wise sum of exp((x - max) * invT) into partials[j * L, (j + 1) * L), the
     * exps into out unless it is null (log-softmax).
     */
    static void shortExpSums(double[] in, double[] out, int base, int n, int rows, double invT, double[] maxes,
                             double[] partials) {
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        for (int j = 0; j < rows; j++, base += n) {
            double max = shortRowMax(in, base, n);
            maxes[j] = max;
            DoubleVector vm = DoubleVector.broadcast(S, max);
            DoubleVector sum = DoubleVector.zero(S);
            for (int i = 0; i < n; i += L) {
                VectorMask<Double> k = S.indexInRange(i, n);
                DoubleVector e = VectorMath.expNonPositive(shifted(ld(in, base + i), vm, vt, scaled));
                if (out != null) {
                    st(e, out, base + i, k);
                }
                sum = sum.add(e.blend(0, k.not()));
            }
            sum.intoArray(partials, j * L);
        }
    }

    /** Softmax's second pass over short rows: out *= 1 / (the sum of row j's partials). */
    static void shortScale(double[] out, int base, int n, int rows, double[] partials) {
        for (int j = 0; j < rows; j++, base += n) {
            DoubleVector f = DoubleVector.broadcast(S, (double) (1.0 / VectorMath.sum(DoubleVector.fromArray(S, partials, j * L))));
            for (int i = 0; i < n; i += L) {
                st(ld(out, base + i).mul(f), out, base + i, S.indexInRange(i, n));
            }
        }
    }

    /** Log-softmax's second pass over short rows: out = (x - max) * invT - log(the sum of row j's partials). */
    static void shortLogNormalize(double[] in, double[] out, int base, int n, int rows, double invT, double[] maxes,
                                  double[] partials) {
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        boolean scaled = invT != 1;
        for (int j = 0; j < rows; j++, base += n) {
            double max = maxes[j];
            DoubleVector vm = DoubleVector.broadcast(S, max);
            DoubleVector vl = DoubleVector.broadcast(S, (double) Math.log(VectorMath.sum(DoubleVector.fromArray(S, partials, j * L))));
            if (max < NO_OVERFLOW_MAX) {
                for (int i = 0; i < n; i += L) {
                    st(shifted(ld(in, base + i), vm, vt, scaled).sub(vl), out, base + i, S.indexInRange(i, n));
                }
            } else {
                for (int i = 0; i < n; i += L) {
                    st(logit(ld(in, base + i), vm, vt).sub(vl), out, base + i, S.indexInRange(i, n));
                }
            }
        }
    }

    /** Max of a short row whose whole vectors lie inside the buffer, ignoring NaN. */
    private static double shortRowMax(double[] in, int base, int n) {
        DoubleVector max = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) {
            DoubleVector v = ld(in, base + i);
            max = max.blend(v, v.compare(VectorOperators.GT, max).and(S.indexInRange(i, n)));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Softmax or log-softmax of one row longer than {@link #SHORT_ROW}; a row whose whole vectors
     * would read past {@code limit} elements of in (see {@link #rowExpSum}) is staged.
     */
    static void softmaxLongRow(double[] in, double[] out, int base, int n, double invT, boolean log, int limit) {
        if (base + span(n) > limit) {
            double[] stage = new double[span(n)];
            copyOut(in, base, stage, n);
            DoubleRows.softmaxLongRow(stage, stage, 0, n, invT, log, stage.length);
            copyIn(stage, out, base, n);
            return;
        }
        double max = rowMax(in, base, n);
        double sum = rowExpSum(in, out, base, n, max, invT, !log);
        if (log) {
            rowLogNormalize(in, out, base, n, max, invT, (double) Math.log(sum));
        } else {
            rowScale(out, base, n, (double) (1.0 / sum));
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

    /** logsumexp of the row with torch's rules for infinities; NaN if the row has one. */
    static double logSumExpRow(double[] in, int base, int n, int limit) {
        double max = rowMax(in, base, n);
        if (Double.isInfinite(max)) {
            // Empty, all -inf or containing +inf: the sum is not needed, only whether a NaN hides.
            return rowHasNaN(in, base, n) ? Double.NaN : max;
        }
        if (base + span(n) > limit) {
            double[] stage = new double[span(n)];
            copyOut(in, base, stage, n);
            return max + Math.log(DoubleRows.rowExpSum(stage, null, 0, n, max, 1, false));
        }
        return max + Math.log(rowExpSum(in, null, base, n, max, 1, false));
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

    static void sigmoid(double[] in, double[] out, int from, int to, boolean log) {
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            st(sigmoid(ld(in, i), log), out, i);
        }
        if (i < to) {
            VectorMask<Double> k = S.indexInRange(i, to);
            st(sigmoid(ld(in, i, k), log), out, i, k);
        }
    }

    private static DoubleVector sigmoid(DoubleVector x, boolean log) {
        DoubleVector e = VectorMath.expNonPositive(x.abs().neg());
        if (log) {
            // log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|); the blend keeps NaN.
            return x.blend(0, x.compare(VectorOperators.GT, 0)).sub(VectorMath.log1p(e));
        }
        // 1/(1+e^-x) for x >= 0, e^x/(1+e^x) for x < 0: never overflows.
        return e.blend(1, x.compare(VectorOperators.GE, 0)).div(e.add(1));
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
