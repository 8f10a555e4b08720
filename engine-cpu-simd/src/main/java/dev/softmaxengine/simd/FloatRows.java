package dev.softmaxengine.simd;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 kernels over Java arrays with int indices (segments are staged through arrays by the
 * kernel: measured on JDK 25, Vector API loads from segments run 3x slower than from arrays here,
 * and loops with int induction variables and one vector per iteration keep C2 inlining the exp).
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

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elements summed in fp32 before the partial sum is folded into fp64. */
    static final int BLOCK = 1024;

    /** Per-task scratch for the strided kernels, so the lane loops allocate nothing. */
    static final class Scratch {
        final double[] sums = new double[L];
        final float[] lanes = new float[L];
        final int[] idx = new int[L];
    }

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
            m = m.blend(v, v.compare(VectorOperators.GT, m, k));
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
            total += e.reduceLanes(VectorOperators.ADD, k);
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

    /** out = (x - max) * invT - logSum over the row. */
    static void rowLogNormalize(float[] in, float[] out, int base, int n, float max, float invT, float logSum) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector.fromArray(S, in, base + i).sub(vm).mul(vt).sub(logSum).intoArray(out, base + i);
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector.fromArray(S, in, base + i, k).sub(vm).mul(vt).sub(logSum).intoArray(out, base + i, k);
        }
    }

    static void softmaxRow(float[] in, float[] out, int base, int n, float invT, boolean log) {
        if (n == 0) {
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
            if (FloatVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN, k).anyTrue()) {
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
            VectorMask<Float> nan = FloatVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN, k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        FloatVector vm = FloatVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            VectorMask<Float> hit = FloatVector.fromArray(S, in, base + i, k).compare(VectorOperators.EQ, vm, k);
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

    // ---- strided slices: lane l of a chunk is slice (base + l), element j at base + j * inner + l ----

    private static FloatVector stridedMax(float[] in, int base, int n, int inner, VectorMask<Float> k) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j++) {
            FloatVector v = FloatVector.fromArray(S, in, base + j * inner, k);
            max = max.blend(v, v.compare(VectorOperators.GT, max));
        }
        return max;
    }

    /** Adds the fp32 block sum into the fp64 per-lane sums. */
    private static void fold(FloatVector block, Scratch s) {
        block.intoArray(s.lanes, 0);
        for (int l = 0; l < L; l++) {
            s.sums[l] += s.lanes[l];
        }
    }

    /** softmax over the width (<= L) strided slices starting at base. */
    static void softmaxStrided(float[] in, float[] out, int base, int n, int inner, int width,
                               float invT, boolean log, Scratch s) {
        if (n == 0) {
            return;
        }
        VectorMask<Float> k = S.indexInRange(0, width);
        FloatVector max = stridedMax(in, base, n, inner, k);
        FloatVector vt = FloatVector.broadcast(S, invT);
        Arrays.fill(s.sums, 0.0);
        FloatVector block = FloatVector.zero(S);
        for (int j = 0; j < n; j++) {
            int off = base + j * inner;
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(S, in, off, k).sub(max).mul(vt));
            if (!log) {
                e.intoArray(out, off, k);
            }
            block = block.add(e);
            if ((j & 63) == 63) {
                fold(block, s);
                block = FloatVector.zero(S);
            }
        }
        fold(block, s);
        for (int l = 0; l < L; l++) {
            s.lanes[l] = log ? (float) Math.log(s.sums[l]) : (float) (1.0 / s.sums[l]);
        }
        FloatVector f = FloatVector.fromArray(S, s.lanes, 0);
        for (int j = 0; j < n; j++) {
            int off = base + j * inner;
            FloatVector y = log
                    ? FloatVector.fromArray(S, in, off, k).sub(max).mul(vt).sub(f)
                    : FloatVector.fromArray(S, out, off, k).mul(f);
            y.intoArray(out, off, k);
        }
    }

    /** logsumexp of the width strided slices starting at base into out[outBase + l]. */
    static void logSumExpStrided(float[] in, float[] out, int base, int n, int inner, int width, int outBase, Scratch s) {
        VectorMask<Float> k = S.indexInRange(0, width);
        FloatVector max = stridedMax(in, base, n, inner, k);
        VectorMask<Float> nan = S.maskAll(false);
        Arrays.fill(s.sums, 0.0);
        FloatVector block = FloatVector.zero(S);
        // Lanes whose max is infinite sum inf - inf = NaN; they are resolved from max and nan below.
        for (int j = 0; j < n; j++) {
            FloatVector v = FloatVector.fromArray(S, in, base + j * inner, k);
            nan = nan.or(v.test(VectorOperators.IS_NAN, k));
            block = block.add(VectorMath.expNonPositive(v.sub(max)));
            if ((j & 63) == 63) {
                fold(block, s);
                block = FloatVector.zero(S);
            }
        }
        fold(block, s);
        max.intoArray(s.lanes, 0);
        for (int l = 0; l < width; l++) {
            float m = s.lanes[l];
            out[outBase + l] = nan.laneIsSet(l) ? Float.NaN
                    : Float.isInfinite(m) ? m
                    : (float) (m + Math.log(s.sums[l]));
        }
    }

    /** First-max index of the width strided slices starting at base into idx[0..width). n must be > 0. */
    static void argmaxStrided(float[] in, int base, int n, int inner, int width, int[] idx) {
        VectorMask<Float> k = S.indexInRange(0, width);
        FloatVector max = stridedMax(in, base, n, inner, k);
        VectorMask<Float> nanLanes = S.maskAll(false);
        for (int j = 0; j < n; j++) {
            nanLanes = nanLanes.or(FloatVector.fromArray(S, in, base + j * inner, k).test(VectorOperators.IS_NAN, k));
        }
        VectorMask<Float> todo = k;
        for (int j = 0; j < n && todo.anyTrue(); j++) {
            FloatVector v = FloatVector.fromArray(S, in, base + j * inner, k);
            VectorMask<Float> hit = v.test(VectorOperators.IS_NAN).and(nanLanes)
                    .or(v.compare(VectorOperators.EQ, max).andNot(nanLanes))
                    .and(todo);
            if (hit.anyTrue()) {
                for (int l = 0; l < width; l++) {
                    if (hit.laneIsSet(l)) {
                        idx[l] = j;
                    }
                }
                todo = todo.andNot(hit);
            }
        }
    }

    static void hardmaxStrided(float[] in, float[] out, int base, int n, int inner, int width, int[] idx) {
        if (n == 0) {
            return;
        }
        argmaxStrided(in, base, n, inner, width, idx);
        VectorMask<Float> k = S.indexInRange(0, width);
        FloatVector zero = FloatVector.zero(S);
        for (int j = 0; j < n; j++) {
            zero.intoArray(out, base + j * inner, k);
        }
        for (int l = 0; l < width; l++) {
            out[base + idx[l] * inner + l] = 1f;
        }
    }
}
