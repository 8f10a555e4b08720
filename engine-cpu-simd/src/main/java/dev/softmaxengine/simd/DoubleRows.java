package dev.softmaxengine.simd;

import java.util.Arrays;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float64 kernels: the twin of FloatRows, line for line (see there why, and for the numerics).
 * Here the per-block partial sums are fp64 vectors.
 */
final class DoubleRows {
    private DoubleRows() {
    }

    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Elements summed per vector before the partial sum is folded into the total. */
    static final int BLOCK = 1024;

    /** Per-task scratch for the strided kernels, so the lane loops allocate nothing. */
    static final class Scratch {
        final double[] sums = new double[L];
        final double[] lanes = new double[L];
        final int[] idx = new int[L];
    }

    // ---- contiguous rows ----

    /** Max of the row, ignoring NaN; -inf for an empty or all-NaN row. */
    static double rowMax(double[] in, int base, int n) {
        DoubleVector m = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            DoubleVector v = DoubleVector.fromArray(S, in, base + i);
            m = m.blend(v, v.compare(VectorOperators.GT, m));
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector v = DoubleVector.fromArray(S, in, base + i, k);
            m = m.blend(v, v.compare(VectorOperators.GT, m, k));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Sum of exp((x - max) * invT) over the row, in fp64; when {@code store}, the exp values are
     * also written to {@code out} (the softmax numerators).
     */
    static double rowExpSum(double[] in, double[] out, int base, int n, double max, double invT, boolean store) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        double total = 0;
        int i = 0;
        int full = S.loopBound(n);
        while (i < full) {
            int end = Math.min(full, i + BLOCK);
            DoubleVector s = DoubleVector.zero(S);
            for (; i < end; i += L) {
                DoubleVector e = VectorMath.expNonPositive(DoubleVector.fromArray(S, in, base + i).sub(vm).mul(vt));
                if (store) {
                    e.intoArray(out, base + i);
                }
                s = s.add(e);
            }
            total += s.reduceLanes(VectorOperators.ADD);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector e = VectorMath.expNonPositive(DoubleVector.fromArray(S, in, base + i, k).sub(vm).mul(vt));
            if (store) {
                e.intoArray(out, base + i, k);
            }
            total += e.reduceLanes(VectorOperators.ADD, k);
        }
        return total;
    }

    /** out = out * scale over the row. */
    static void rowScale(double[] out, int base, int n, double scale) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            DoubleVector.fromArray(S, out, base + i).mul(scale).intoArray(out, base + i);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector.fromArray(S, out, base + i, k).mul(scale).intoArray(out, base + i, k);
        }
    }

    /** out = (x - max) * invT - logSum over the row. */
    static void rowLogNormalize(double[] in, double[] out, int base, int n, double max, double invT, double logSum) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            DoubleVector.fromArray(S, in, base + i).sub(vm).mul(vt).sub(logSum).intoArray(out, base + i);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector.fromArray(S, in, base + i, k).sub(vm).mul(vt).sub(logSum).intoArray(out, base + i, k);
        }
    }

    static void softmaxRow(double[] in, double[] out, int base, int n, double invT, boolean log) {
        if (n == 0) {
            return;
        }
        double max = rowMax(in, base, n);
        double sum = rowExpSum(in, out, base, n, max, invT, !log);
        if (log) {
            rowLogNormalize(in, out, base, n, max, invT, Math.log(sum));
        } else {
            rowScale(out, base, n, 1.0 / sum);
        }
    }

    static boolean rowHasNaN(double[] in, int base, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            if (DoubleVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN, k).anyTrue()) {
                return true;
            }
        }
        return false;
    }

    /** logsumexp of the row with torch's rules for infinities; NaN if the row has one. */
    static double logSumExpRow(double[] in, int base, int n) {
        double max = rowMax(in, base, n);
        if (Double.isInfinite(max)) {
            // Empty, all -inf or containing +inf: the sum is not needed, only whether a NaN hides.
            return rowHasNaN(in, base, n) ? Double.NaN : max;
        }
        return max + Math.log(rowExpSum(in, null, base, n, max, 1.0, false));
    }

    /** Index of the first maximum; the first NaN wins (numpy / torch argmax). The row must be non-empty. */
    static int argmaxRow(double[] in, int base, int n) {
        double max = rowMax(in, base, n);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            VectorMask<Double> nan = DoubleVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN, k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        DoubleVector vm = DoubleVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            VectorMask<Double> hit = DoubleVector.fromArray(S, in, base + i, k).compare(VectorOperators.EQ, vm, k);
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
        Arrays.fill(out, base, base + n, 0.0);
        out[base + hot] = 1.0;
    }

    // ---- elementwise ----

    static void sigmoid(double[] in, double[] out, int from, int to, boolean log) {
        for (int i = from; i < to; i += L) {
            VectorMask<Double> k = S.indexInRange(i, to);
            DoubleVector x = DoubleVector.fromArray(S, in, i, k);
            DoubleVector e = VectorMath.expNonPositive(x.abs().neg());
            DoubleVector y;
            if (log) {
                // log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|); the blend keeps NaN.
                y = x.blend(0.0, x.compare(VectorOperators.GT, 0.0)).sub(e.lanewise(VectorOperators.LOG1P));
            } else {
                // 1/(1+e^-x) for x >= 0, e^x/(1+e^x) for x < 0: never overflows.
                y = e.blend(1.0, x.compare(VectorOperators.GE, 0.0)).div(e.add(1.0));
            }
            y.intoArray(out, i, k);
        }
    }

    // ---- strided slices: lane l of a chunk is slice (base + l), element j at base + j * inner + l ----

    private static DoubleVector stridedMax(double[] in, int base, int n, int inner, VectorMask<Double> k) {
        DoubleVector max = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j++) {
            DoubleVector v = DoubleVector.fromArray(S, in, base + j * inner, k);
            max = max.blend(v, v.compare(VectorOperators.GT, max));
        }
        return max;
    }

    /** Adds the block sum into the per-lane sums. */
    private static void fold(DoubleVector block, Scratch s) {
        block.intoArray(s.lanes, 0);
        for (int l = 0; l < L; l++) {
            s.sums[l] += s.lanes[l];
        }
    }

    /** softmax over the width (<= L) strided slices starting at base. */
    static void softmaxStrided(double[] in, double[] out, int base, int n, int inner, int width,
                               double invT, boolean log, Scratch s) {
        if (n == 0) {
            return;
        }
        VectorMask<Double> k = S.indexInRange(0, width);
        DoubleVector max = stridedMax(in, base, n, inner, k);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        Arrays.fill(s.sums, 0.0);
        DoubleVector block = DoubleVector.zero(S);
        for (int j = 0; j < n; j++) {
            int off = base + j * inner;
            DoubleVector e = VectorMath.expNonPositive(DoubleVector.fromArray(S, in, off, k).sub(max).mul(vt));
            if (!log) {
                e.intoArray(out, off, k);
            }
            block = block.add(e);
            if ((j & 63) == 63) {
                fold(block, s);
                block = DoubleVector.zero(S);
            }
        }
        fold(block, s);
        for (int l = 0; l < L; l++) {
            s.lanes[l] = log ? Math.log(s.sums[l]) : 1.0 / s.sums[l];
        }
        DoubleVector f = DoubleVector.fromArray(S, s.lanes, 0);
        for (int j = 0; j < n; j++) {
            int off = base + j * inner;
            DoubleVector y = log
                    ? DoubleVector.fromArray(S, in, off, k).sub(max).mul(vt).sub(f)
                    : DoubleVector.fromArray(S, out, off, k).mul(f);
            y.intoArray(out, off, k);
        }
    }

    /** logsumexp of the width strided slices starting at base into out[outBase + l]. */
    static void logSumExpStrided(double[] in, double[] out, int base, int n, int inner, int width, int outBase, Scratch s) {
        VectorMask<Double> k = S.indexInRange(0, width);
        DoubleVector max = stridedMax(in, base, n, inner, k);
        VectorMask<Double> nan = S.maskAll(false);
        Arrays.fill(s.sums, 0.0);
        DoubleVector block = DoubleVector.zero(S);
        // Lanes whose max is infinite sum inf - inf = NaN; they are resolved from max and nan below.
        for (int j = 0; j < n; j++) {
            DoubleVector v = DoubleVector.fromArray(S, in, base + j * inner, k);
            nan = nan.or(v.test(VectorOperators.IS_NAN, k));
            block = block.add(VectorMath.expNonPositive(v.sub(max)));
            if ((j & 63) == 63) {
                fold(block, s);
                block = DoubleVector.zero(S);
            }
        }
        fold(block, s);
        max.intoArray(s.lanes, 0);
        for (int l = 0; l < width; l++) {
            double m = s.lanes[l];
            out[outBase + l] = nan.laneIsSet(l) ? Double.NaN
                    : Double.isInfinite(m) ? m
                    : m + Math.log(s.sums[l]);
        }
    }

    /** First-max index of the width strided slices starting at base into idx[0..width). n must be > 0. */
    static void argmaxStrided(double[] in, int base, int n, int inner, int width, int[] idx) {
        VectorMask<Double> k = S.indexInRange(0, width);
        DoubleVector max = stridedMax(in, base, n, inner, k);
        VectorMask<Double> nanLanes = S.maskAll(false);
        for (int j = 0; j < n; j++) {
            nanLanes = nanLanes.or(DoubleVector.fromArray(S, in, base + j * inner, k).test(VectorOperators.IS_NAN, k));
        }
        VectorMask<Double> todo = k;
        for (int j = 0; j < n && todo.anyTrue(); j++) {
            DoubleVector v = DoubleVector.fromArray(S, in, base + j * inner, k);
            VectorMask<Double> hit = v.test(VectorOperators.IS_NAN).and(nanLanes)
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

    static void hardmaxStrided(double[] in, double[] out, int base, int n, int inner, int width, int[] idx) {
        if (n == 0) {
            return;
        }
        argmaxStrided(in, base, n, inner, width, idx);
        VectorMask<Double> k = S.indexInRange(0, width);
        DoubleVector zero = DoubleVector.zero(S);
        for (int j = 0; j < n; j++) {
            zero.intoArray(out, base + j * inner, k);
        }
        for (int l = 0; l < width; l++) {
            out[base + idx[l] * inner + l] = 1.0;
        }
    }
}
