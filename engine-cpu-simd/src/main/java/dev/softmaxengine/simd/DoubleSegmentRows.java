package dev.softmaxengine.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The contiguous-row and elementwise kernels of DoubleRows, line for line, over native (off-heap)
 * segments. Only native segments reach them: a call site of the Vector API that has seen both heap
 * and native segments is compiled about 5x slower (profile pollution, measured on JDK 25), so
 * arrays keep their own twin and heap segments are staged into arrays by the kernel.
 */
final class DoubleSegmentRows {
    private DoubleSegmentRows() {
    }

    private static final VectorSpecies<Double> S = DoubleRows.S;
    private static final int L = S.length();
    private static final int BLOCK = DoubleRows.BLOCK;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // ---- contiguous rows ----

    /** Max of the row, ignoring NaN; -inf for an empty or all-NaN row. */
    static double rowMax(MemorySegment in, long base, int n) {
        DoubleVector m = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            DoubleVector v = DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE);
            m = m.blend(v, v.compare(VectorOperators.GT, m));
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector v = DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE, k);
            m = m.blend(v, v.compare(VectorOperators.GT, m).and(k));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Sum of exp((x - max) * invT) over the row, in fp64; when {@code store}, the exp values are
     * also written to {@code out} (the softmax numerators).
     */
    static double rowExpSum(MemorySegment in, MemorySegment out, long base, int n, double max, double invT, boolean store) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        double total = 0;
        int i = 0;
        int full = S.loopBound(n);
        while (i < full) {
            int end = Math.min(full, i + BLOCK);
            DoubleVector s = DoubleVector.zero(S);
            for (; i < end; i += L) {
                DoubleVector e = VectorMath.expNonPositive(DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE).sub(vm).mul(vt));
                if (store) {
                    e.intoMemorySegment(out, (base + i) * 8L, LE);
                }
                s = s.add(e);
            }
            total += s.reduceLanes(VectorOperators.ADD);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector e = VectorMath.expNonPositive(DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE, k).sub(vm).mul(vt));
            if (store) {
                e.intoMemorySegment(out, (base + i) * 8L, LE, k);
            }
            total += e.blend(0, k.not()).reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** out = out * scale over the row. */
    static void rowScale(MemorySegment out, long base, int n, double scale) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            DoubleVector.fromMemorySegment(S, out, (base + i) * 8L, LE).mul(scale).intoMemorySegment(out, (base + i) * 8L, LE);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            DoubleVector.fromMemorySegment(S, out, (base + i) * 8L, LE, k).mul(scale).intoMemorySegment(out, (base + i) * 8L, LE, k);
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
    static void rowLogNormalize(MemorySegment in, MemorySegment out, long base, int n, double max, double invT, double logSum) {
        DoubleVector vm = DoubleVector.broadcast(S, max);
        DoubleVector vt = DoubleVector.broadcast(S, invT);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            logit(DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE), vm, vt).sub(logSum).intoMemorySegment(out, (base + i) * 8L, LE);
        }
        if (i < n) {
            VectorMask<Double> k = S.indexInRange(i, n);
            logit(DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE, k), vm, vt).sub(logSum).intoMemorySegment(out, (base + i) * 8L, LE, k);
        }
    }

    static void softmaxRow(MemorySegment in, MemorySegment out, long base, int n, double invT, boolean log) {
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

    static boolean rowHasNaN(MemorySegment in, long base, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            if (DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE, k).test(VectorOperators.IS_NAN).and(k).anyTrue()) {
                return true;
            }
        }
        return false;
    }

    /** logsumexp of the row with torch's rules for infinities; NaN if the row has one. */
    static double logSumExpRow(MemorySegment in, long base, int n) {
        double max = rowMax(in, base, n);
        if (Double.isInfinite(max)) {
            // Empty, all -inf or containing +inf: the sum is not needed, only whether a NaN hides.
            return rowHasNaN(in, base, n) ? Double.NaN : max;
        }
        return max + Math.log(rowExpSum(in, null, base, n, max, 1.0, false));
    }

    /** Index of the first maximum; the first NaN wins (numpy / torch argmax). The row must be non-empty. */
    static int argmaxRow(MemorySegment in, long base, int n) {
        double max = rowMax(in, base, n);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            VectorMask<Double> nan = DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE, k).test(VectorOperators.IS_NAN).and(k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        DoubleVector vm = DoubleVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Double> k = S.indexInRange(i, n);
            VectorMask<Double> hit = DoubleVector.fromMemorySegment(S, in, (base + i) * 8L, LE, k).compare(VectorOperators.EQ, vm).and(k);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        throw new AssertionError("no element equals the row max " + max);
    }

    static void hardmaxRow(MemorySegment in, MemorySegment out, long base, int n) {
        if (n == 0) {
            return;
        }
        int hot = argmaxRow(in, base, n);
        out.asSlice(base * 8L, n * 8L).fill((byte) 0);
        out.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, base + hot, 1.0);
    }

    // ---- elementwise ----

    static void sigmoid(MemorySegment in, MemorySegment out, long from, long to, boolean log) {
        for (long i = from; i < to; i += L) {
            VectorMask<Double> k = S.indexInRange(i, to);
            DoubleVector x = DoubleVector.fromMemorySegment(S, in, (i) * 8L, LE, k);
            DoubleVector e = VectorMath.expNonPositive(x.abs().neg());
            DoubleVector y;
            if (log) {
                // log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|); the blend keeps NaN.
                y = x.blend(0.0, x.compare(VectorOperators.GT, 0.0)).sub(e.lanewise(VectorOperators.LOG1P));
            } else {
                // 1/(1+e^-x) for x >= 0, e^x/(1+e^x) for x < 0: never overflows.
                y = e.blend(1.0, x.compare(VectorOperators.GE, 0.0)).div(e.add(1.0));
            }
            y.intoMemorySegment(out, (i) * 8L, LE, k);
        }
    }
}
