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
            m = m.blend(v, v.compare(VectorOperators.GT, m).and(k));
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
            total += e.blend(0, k.not()).reduceLanes(VectorOperators.ADD);
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

    /**
     * Log-softmax logits (x - max) * invT. Where x - max overflows to -inf for a finite x (x and max
     * near opposite range limits) the logit itself may still be finite once divided by T, so those
     * lanes take x * invT - max * invT instead; elsewhere the subtraction comes first, which is exact
     * near the max.
     */
    private static DoubleVector logit(DoubleVector x, DoubleVector vm, DoubleVector vt) {
        DoubleVector d = x.sub(vm);
        VectorMask<Double> overflow = d.compare(VectorOperators.EQ, Double.NEGATIVE_INFINITY).andNot(x.compare(VectorOperators.EQ, Double.NEGATIVE_INFINITY));
        DoubleVector z = d.mul(vt);
        return overflow.anyTrue() ? z.blend(x.mul(vt).sub(vm.mul(vt)), overflow) : z;
    }

    /** out = (x - max) * invT - logSum over the row. */
    static void rowLogNormalize(double[] in, double[] out, int base, int n, double max, double invT, double logSum) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            logit(DoubleVector.fromArray(S, in, base + i), vm, vt).sub(logSum).intoArray(out, base + i);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            logit(DoubleVector.fromArray(S, in, base + i, k), vm, vt).sub(logSum).intoArray(out, base + i, k);
        }
    }

    /** Rows up to this long take {@link #softmaxShortRow}: per-row overhead dominates there. */
    static final int SHORT_ROW = 4 * L;

    /**
     * One row of at most {@link #SHORT_ROW} elements: the same three passes as the long-row path,
     * but without its blocking, and with one reduction per pass, which is what short rows (a
     * classifier's 10 to 64 classes) spend their time on.
     */
    static void softmaxShortRow(double[] in, double[] out, int base, int n, double invT, boolean log) {
        DoubleVector max = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector v = DoubleVector.fromArray(S, in, base + i, k);
            max = max.blend(v, v.compare(VectorOperators.GT, max).and(k));
        }
        DoubleVector vm = DoubleVector.broadcast(S, max.reduceLanes(VectorOperators.MAX));
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        DoubleVector sum = DoubleVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector e = VectorMath.expNonPositive(DoubleVector.fromArray(S, in, base + i, k).sub(vm).mul(vt));
            if (!log) {
                e.intoArray(out, base + i, k);
            }
            sum = sum.add(e.blend(0.0, k.not()));
        }
        double total = sum.reduceLanes(VectorOperators.ADD);
        if (log) {
            double logSum = Math.log(total);
            for (int i = 0; i < n; i += L) {
                VectorMask<Double> k = S.indexInRange(i, n);
                logit(DoubleVector.fromArray(S, in, base + i, k), vm, vt).sub(logSum).intoArray(out, base + i, k);
            }
        } else {
            double scale = 1.0 / total;
            for (int i = 0; i < n; i += L) {
                VectorMask<Double> k = S.indexInRange(i, n);
                DoubleVector.fromArray(S, out, base + i, k).mul(scale).intoArray(out, base + i, k);
            }
        }
    }

    static void softmaxRow(double[] in, double[] out, int base, int n, double invT, boolean log) {
        if (n == 0) {
            return;
        }
        if (n <= SHORT_ROW) {
            softmaxShortRow(in, out, base, n, invT, log);
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
            if (DoubleVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN).and(k).anyTrue()) {
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
            VectorMask<Double> nan = DoubleVector.fromArray(S, in, base + i, k).test(VectorOperators.IS_NAN).and(k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        DoubleVector vm = DoubleVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            VectorMask<Double> hit = DoubleVector.fromArray(S, in, base + i, k).compare(VectorOperators.EQ, vm).and(k);
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

    // ---- strided slices: a tile of w (<= TILE) adjacent slices, element k of slice l at base + k * inner + l.
    // Each pass sweeps the tile row by row, so memory is read contiguously whatever the stride;
    // per-slice state (max, sums) lives in the scratch arrays, one lane per slice.

    /** Slices per tile: the state arrays stay in L1, a row of the tile is a few cache lines. */
    static final int TILE = 512;

    /** Per-task scratch for the strided kernels, so the sweeps allocate nothing. */
    static final class Scratch {
        final double[] max = new double[TILE];
        final double[] block = new double[TILE];
        final double[] factor = new double[TILE];
        final double[] sums = new double[TILE];
        final int[] idx = new int[TILE];
    }

    private static void stridedMax(double[] in, int base, int n, int inner, int w, double[] max) {
        Arrays.fill(max, 0, w, Double.NEGATIVE_INFINITY);
        int full = S.loopBound(w);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            int i = 0;
            for (; i < full; i += L) {
                DoubleVector v = DoubleVector.fromArray(S, in, row + i);
                DoubleVector m = DoubleVector.fromArray(S, max, i);
                m.blend(v, v.compare(VectorOperators.GT, m)).intoArray(max, i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector v = DoubleVector.fromArray(S, in, row + i, k);
                DoubleVector m = DoubleVector.fromArray(S, max, i, k);
                m.blend(v, v.compare(VectorOperators.GT, m)).intoArray(max, i, k);
            }
        }
    }

    /** sums[l] = sum over the slice of exp((x - max) * invT), blocks of 64 rows folded into the total. */
    private static void stridedExpSum(double[] in, double[] out, int base, int n, int inner, int w, double invT,
                                      boolean store, Scratch s) {
        Arrays.fill(s.sums, 0, w, 0.0);
        Arrays.fill(s.block, 0, w, 0.0);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        int full = S.loopBound(w);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            int i = 0;
            for (; i < full; i += L) {
                DoubleVector e = VectorMath.expNonPositive(
                        DoubleVector.fromArray(S, in, row + i).sub(DoubleVector.fromArray(S, s.max, i)).mul(vt));
                if (store) {
                    e.intoArray(out, row + i);
                }
                DoubleVector.fromArray(S, s.block, i).add(e).intoArray(s.block, i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector e = VectorMath.expNonPositive(
                        DoubleVector.fromArray(S, in, row + i, k).sub(DoubleVector.fromArray(S, s.max, i, k)).mul(vt));
                if (store) {
                    e.intoArray(out, row + i, k);
                }
                DoubleVector.fromArray(S, s.block, i, k).add(e).intoArray(s.block, i, k);
            }
            if ((j & 63) == 63 || j == n - 1) {
                for (int l = 0; l < w; l++) {
                    s.sums[l] += s.block[l];
                    s.block[l] = 0.0;
                }
            }
        }
    }

    static void softmaxStrided(double[] in, double[] out, int base, int n, int inner, int w,
                               double invT, boolean log, Scratch s) {
        if (n == 0) {
            return;
        }
        stridedMax(in, base, n, inner, w, s.max);
        stridedExpSum(in, out, base, n, inner, w, invT, !log, s);
        for (int l = 0; l < w; l++) {
            s.factor[l] = log ? Math.log(s.sums[l]) : 1.0 / s.sums[l];
        }
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        int full = S.loopBound(w);
        for (int j = 0; j < n; j++) {
            int row = base + j * inner;
            int i = 0;
            for (; i < full; i += L) {
                DoubleVector f = DoubleVector.fromArray(S, s.factor, i);
                DoubleVector y = log
                        ? logit(DoubleVector.fromArray(S, in, row + i), DoubleVector.fromArray(S, s.max, i), vt).sub(f)
                        : DoubleVector.fromArray(S, out, row + i).mul(f);
                y.intoArray(out, row + i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector f = DoubleVector.fromArray(S, s.factor, i, k);
                DoubleVector y = log
                        ? logit(DoubleVector.fromArray(S, in, row + i, k), DoubleVector.fromArray(S, s.max, i, k), vt).sub(f)
                        : DoubleVector.fromArray(S, out, row + i, k).mul(f);
                y.intoArray(out, row + i, k);
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
        stridedExpSum(in, null, base, n, inner, w, 1.0, false, s);
        for (int l = 0; l < w; l++) {
            double m = s.max[l];
            out[outBase + l] = !Double.isInfinite(m) ? m + Math.log(s.sums[l])
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
                DoubleVector v = DoubleVector.fromArray(S, in, row + i);
                DoubleVector m = DoubleVector.fromArray(S, best, i);
                VectorMask<Double> take = v.compare(VectorOperators.GT, m)
                        .or(v.test(VectorOperators.IS_NAN).andNot(m.test(VectorOperators.IS_NAN)));
                m.blend(v, take).intoArray(best, i);
                DoubleVector.fromArray(S, at, i).blend(vj, take).intoArray(at, i);
            }
            if (i < w) {
                VectorMask<Double> k = S.indexInRange(i, w);
                DoubleVector v = DoubleVector.fromArray(S, in, row + i, k);
                DoubleVector m = DoubleVector.fromArray(S, best, i, k);
                VectorMask<Double> take = v.compare(VectorOperators.GT, m)
                        .or(v.test(VectorOperators.IS_NAN).andNot(m.test(VectorOperators.IS_NAN))).and(k);
                m.blend(v, take).intoArray(best, i, k);
                DoubleVector.fromArray(S, at, i, k).blend(vj, take).intoArray(at, i, k);
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
            Arrays.fill(out, base + j * inner, base + j * inner + w, 0.0);
        }
        for (int l = 0; l < w; l++) {
            out[base + s.idx[l] * inner + l] = 1.0;
        }
    }
}
