package dev.softmaxengine.simd;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 kernels over Java arrays with int indices; {@link FloatSegmentRows} is the twin of the
 * row and elementwise methods for native segments (see there why a twin), and strided slices of
 * segments are staged into arrays a slab at a time. Loops keep int induction variables and one
 * vector per iteration, so C2 keeps the exp inlined.
 * Contiguous rows ("row" methods) vectorize along the row; strided slices ("strided" methods)
 * vectorize across the inner dimension, one lane per slice, so a non-last axis costs the same
 * passes as the last one.
 *
 * <p>Numerics: the max ignores NaN (compare-and-blend), so a NaN reaches the sum through exp and
 * poisons the slice; +inf or all -inf slices become NaN through inf - inf, as in PyTorch. Sums of
 * exp run in fp32 vectors over blocks of {@link #BLOCK} elements and then accumulate in fp64, so
 * the summation error stays near fp32 rounding even for 1M columns.
 *
 * <p>DoubleRows mirrors this class line for line: the Vector API has no numeric type generic over
 * float and double that C2 still intrinsifies, so the two are kept as twins on purpose.
 */
final class FloatRows {
    private FloatRows() {
    }

    // Tails use unmasked compares and tests combined with .and(mask): the masked overloads are not
    // intrinsified (they run the Java fallback, ~4x slower per row with a ragged tail).
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elements summed in fp32 before the partial sum is folded into fp64. */
    static final int BLOCK = 1024;

    // ---- contiguous rows ----

    /** Max of the row, ignoring NaN; -inf for an empty or all-NaN row. */
    static float rowMax(float[] in, int base, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, in, base + i);
            m = m.blend(v, v.compare(VectorOperators.GT, m));
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, in, base + i, k);
            m = m.blend(v, v.compare(VectorOperators.GT, m).and(k));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Sum of exp((x - max) * invT) over the row, in fp64; when {@code store}, the exp values are
     * also written to {@code out} (the softmax numerators).
     */
    static double rowExpSum(float[] in, float[] out, int base, int n, float max, float invT, boolean store) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        double total = 0;
        int i = 0;
        int full = S.loopBound(n);
        while (i < full) {
            int end = Math.min(full, i + BLOCK);
            FloatVector s = FloatVector.zero(S);
            for (; i < end; i += L) {
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, in, base + i).sub(vm).mul(vt));
                if (store) {
                    e.intoArray(out, base + i);
                }
                s = s.add(e);
            }
            total += s.reduceLanes(VectorOperators.ADD);
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, in, base + i, k).sub(vm).mul(vt));
            if (store) {
                e.intoArray(out, base + i, k);
            }
            total += e.blend(0, k.not()).reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** out = out * scale over the row. */
    static void rowScale(float[] out, int base, int n, float scale) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(S, out, base + i).mul(scale).intoArray(out, base + i);
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector.fromArray(S, out, base + i, k).mul(scale).intoArray(out, base + i, k);
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
        VectorMask<Float> overflow = d.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY).andNot(x.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
        FloatVector z = d.mul(vt);
        return overflow.anyTrue() ? z.blend(x.mul(vt).sub(vm.mul(vt)), overflow) : z;
    }

    /** out = (x - max) * invT - logSum over the row. */
    static void rowLogNormalize(float[] in, float[] out, int base, int n, float max, float invT, float logSum) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            logit(FloatVector.fromArray(S, in, base + i), vm, vt).sub(logSum).intoArray(out, base + i);
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            logit(FloatVector.fromArray(S, in, base + i, k), vm, vt).sub(logSum).intoArray(out, base + i, k);
        }
    }

    /** Rows up to this long take {@link #softmaxShortRow}: per-row overhead dominates there. */
    static final int SHORT_ROW = 4 * L;

    /**
     * One row of at most {@link #SHORT_ROW} elements: the same three passes as the long-row path,
     * but without its blocking, and with one reduction per pass, which is what short rows (a
     * classifier's 10 to 64 classes) spend their time on.
     */
    static void softmaxShortRow(float[] in, float[] out, int base, int n, float invT, boolean log) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, in, base + i, k);
            max = max.blend(v, v.compare(VectorOperators.GT, max).and(k));
        }
        FloatVector vm = FloatVector.broadcast(S, max.reduceLanes(VectorOperators.MAX));
        FloatVector vt = FloatVector.broadcast(S, invT);
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, in, base + i, k).sub(vm).mul(vt));
            if (!log) {
                e.intoArray(out, base + i, k);
            }
            sum = sum.add(e.blend(0f, k.not()));
        }
        double total = sum.reduceLanes(VectorOperators.ADD);
        if (log) {
            float logSum = (float) Math.log(total);
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> k = S.indexInRange(i, n);
                logit(FloatVector.fromArray(S, in, base + i, k), vm, vt).sub(logSum).intoArray(out, base + i, k);
            }
        } else {
            float scale = (float) (1.0 / total);
            for (int i = 0; i < n; i += L) {
                VectorMask<Float> k = S.indexInRange(i, n);
                FloatVector.fromArray(S, out, base + i, k).mul(scale).intoArray(out, base + i, k);
            }
        }
    }

    static void softmaxRow(float[] in, float[] out, int base, int n, float invT, boolean log) {
        if (n == 0) {
            return;
        }
        if (n <= SHORT_ROW) {
            softmaxShortRow(in, out, base, n, invT, log);
            return;
        }
        float max = rowMax(in, base, n);
        double sum = rowExpSum(in, out, base, n, max, invT, !log);
        if (log) {
            rowLogNormalize(in, out, base, n, max, invT, (float) Math.log(sum));
        } else {
            rowScale(out, base, n, (float) (1.0 / sum));
        }
    }

    static boolean rowHasNaN(float[] in, int base, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            if (FloatVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN).and(k).anyTrue()) {
                return true;
            }
        }
        return false;
    }

    /** logsumexp of the row with torch's rules for infinities; NaN if the row has one. */
    static double logSumExpRow(float[] in, int base, int n) {
        float max = rowMax(in, base, n);
        if (Float.isInfinite(max)) {
            // Empty, all -inf or containing +inf: the sum is not needed, only whether a NaN hides.
            return rowHasNaN(in, base, n) ? Double.NaN : max;
        }
        return max + Math.log(rowExpSum(in, null, base, n, max, 1f, false));
    }

    /** Index of the first maximum; the first NaN wins (numpy / torch argmax). The row must be non-empty. */
    static int argmaxRow(float[] in, int base, int n) {
        float max = rowMax(in, base, n);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            VectorMask<Float> nan = FloatVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN).and(k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        FloatVector vm = FloatVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            VectorMask<Float> hit = FloatVector.fromArray(S, in, base + i, k).compare(VectorOperators.EQ, vm).and(k);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        throw new AssertionError("no element equals the row max " + max);
    }

    static void hardmaxRow(float[] in, float[] out, int base, int n) {
        if (n == 0) {
            return;
        }
        int hot = argmaxRow(in, base, n);
        Arrays.fill(out, base, base + n, 0f);
        out[base + hot] = 1f;
    }

    // ---- elementwise ----

    static void sigmoid(float[] in, float[] out, int from, int to, boolean log) {
        for (int i = from; i < to; i += L) {
            VectorMask<Float> k = S.indexInRange(i, to);
            FloatVector x = FloatVector.fromArray(S, in, i, k);
            FloatVector e = VectorMath.expNonPositive(x.abs().neg());
            FloatVector y;
            if (log) {
                // log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|); the blend keeps NaN.
                y = x.blend(0f, x.compare(VectorOperators.GT, 0f)).sub(e.lanewise(VectorOperators.LOG1P));
            } else {
                // 1/(1+e^-x) for x >= 0, e^x/(1+e^x) for x < 0: never overflows.
                y = e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f));
            }
            y.intoArray(out, i, k);
        }
    }

    // ---- strided slices: a tile of w (<= TILE) adjacent slices, element k of slice l at base + k * inner + l.
    // Each pass sweeps the tile row by row, so memory is read contiguously whatever the stride;
    // per-slice state (max, sums) lives in the scratch arrays, one lane per slice.

    /** Slices per tile: the state arrays stay in L1, a row of the tile is a few cache lines. */
    static final int TILE = 512;

    /** Per-task scratch for the strided kernels, so the sweeps allocate nothing. */
    static final class Scratch {
        final float[] max = new float[TILE];
        final float[] block = new float[TILE];
        final float[] factor = new float[TILE];
        final double[] sums = new double[TILE];
        final int[] idx = new int[TILE];
    }

    private static void stridedMax(float[] in, int base, int n, int inner, int w, float[] max) {
        Arrays.fill(max, 0, w, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            for (int i = 0; i < w; i += L) {
                VectorMask<Float> k = S.indexInRange(i, w);
                FloatVector v = FloatVector.fromArray(S, in, row + i, k);
                FloatVector m = FloatVector.fromArray(S, max, i, k);
                m.blend(v, v.compare(VectorOperators.GT, m)).intoArray(max, i, k);
            }
        }
    }

    /** sums[l] = sum over the slice of exp((x - max) * invT), fp32 blocks of 64 rows folded into fp64. */
    private static void stridedExpSum(float[] in, float[] out, int base, int n, int inner, int w, float invT,
                                      boolean store, Scratch s) {
        Arrays.fill(s.sums, 0, w, 0.0);
        Arrays.fill(s.block, 0, w, 0f);
        FloatVector vt = FloatVector.broadcast(S, invT);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            for (int i = 0; i < w; i += L) {
                VectorMask<Float> k = S.indexInRange(i, w);
                FloatVector e = VectorMath.expNonPositive(
                        FloatVector.fromArray(S, in, row + i, k).sub(FloatVector.fromArray(S, s.max, i, k)).mul(vt));
                if (store) {
                    e.intoArray(out, row + i, k);
                }
                FloatVector.fromArray(S, s.block, i, k).add(e).intoArray(s.block, i, k);
            }
            if ((j & 63) == 63 || j == n - 1) {
                for (int l = 0; l < w; l++) {
                    s.sums[l] += s.block[l];
                    s.block[l] = 0f;
                }
            }
        }
    }

    static void softmaxStrided(float[] in, float[] out, int base, int n, int inner, int w,
                               float invT, boolean log, Scratch s) {
        if (n == 0) {
            return;
        }
        stridedMax(in, base, n, inner, w, s.max);
        stridedExpSum(in, out, base, n, inner, w, invT, !log, s);
        for (int l = 0; l < w; l++) {
            s.factor[l] = log ? (float) Math.log(s.sums[l]) : (float) (1.0 / s.sums[l]);
        }
        FloatVector vt = FloatVector.broadcast(S, invT);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            for (int i = 0; i < w; i += L) {
                VectorMask<Float> k = S.indexInRange(i, w);
                FloatVector f = FloatVector.fromArray(S, s.factor, i, k);
                FloatVector y = log
                        ? logit(FloatVector.fromArray(S, in, row + i, k), FloatVector.fromArray(S, s.max, i, k), vt).sub(f)
                        : FloatVector.fromArray(S, out, row + i, k).mul(f);
                y.intoArray(out, row + i, k);
            }
        }
    }

    /** Whether column l of the tile holds a NaN: the rare case of an infinite max, scanned scalar. */
    private static boolean columnHasNaN(float[] in, int base, int n, int inner, int l) {
        for (int j = 0; j < n; j++) {
            if (Float.isNaN(in[base + j * inner + l])) {
                return true;
            }
        }
        return false;
    }

    /** logsumexp of the tile's slices into out[outBase + l]. */
    static void logSumExpStrided(float[] in, float[] out, int base, int n, int inner, int w, int outBase, Scratch s) {
        stridedMax(in, base, n, inner, w, s.max);
        // A finite max lets NaN poison the sum by itself; an infinite one skips the sum (inf - inf).
        stridedExpSum(in, null, base, n, inner, w, 1f, false, s);
        for (int l = 0; l < w; l++) {
            float m = s.max[l];
            out[outBase + l] = !Float.isInfinite(m) ? (float) (m + Math.log(s.sums[l]))
                    : columnHasNaN(in, base, n, inner, l) ? Float.NaN : m;
        }
    }

    /** First-max index (the first NaN if any) of the tile's slices into idx[0..w). n must be > 0. */
    static void argmaxStrided(float[] in, int base, int n, int inner, int w, Scratch s) {
        stridedMax(in, base, n, inner, w, s.max);
        int[] idx = s.idx;
        Arrays.fill(idx, 0, w, -1);
        int left = w;
        // First NaN per slice wins over any maximum.
        for (int j = 0; j < n && left > 0; j++) {
            int row = base + j * inner;
            for (int i = 0; i < w; i += L) {
                VectorMask<Float> k = S.indexInRange(i, w);
                VectorMask<Float> nan = FloatVector.fromArray(S, in, row + i, k).test(VectorOperators.IS_NAN).and(k);
                for (int l = nan.firstTrue(); l < L; l++) {
                    if (nan.laneIsSet(l) && idx[i + l] < 0) {
                        idx[i + l] = j;
                        left--;
                    }
                }
            }
        }
        for (int j = 0; j < n && left > 0; j++) {
            int row = base + j * inner;
            for (int i = 0; i < w; i += L) {
                VectorMask<Float> k = S.indexInRange(i, w);
                VectorMask<Float> hit = FloatVector.fromArray(S, in, row + i, k)
                        .compare(VectorOperators.EQ, FloatVector.fromArray(S, s.max, i, k)).and(k);
                for (int l = hit.firstTrue(); l < L; l++) {
                    if (hit.laneIsSet(l) && idx[i + l] < 0) {
                        idx[i + l] = j;
                        left--;
                    }
                }
            }
        }
    }

    static void hardmaxStrided(float[] in, float[] out, int base, int n, int inner, int w, Scratch s) {
        if (n == 0) {
            return;
        }
        argmaxStrided(in, base, n, inner, w, s);
        for (int j = 0; j < n; j++) {
            Arrays.fill(out, base + j * inner, base + j * inner + w, 0f);
        }
        for (int l = 0; l < w; l++) {
            out[base + s.idx[l] * inner + l] = 1f;
        }
    }
}
