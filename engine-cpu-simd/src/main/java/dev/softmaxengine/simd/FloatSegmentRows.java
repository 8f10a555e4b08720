package dev.softmaxengine.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The contiguous-row and elementwise kernels of FloatRows, line for line, over native (off-heap)
 * segments. Only native segments reach them: a call site of the Vector API that has seen both heap
 * and native segments is compiled about 5x slower (profile pollution, measured on JDK 25), so
 * arrays keep their own twin and heap segments are staged into arrays by the kernel.
 */
final class FloatSegmentRows {
    private FloatSegmentRows() {
    }

    private static final VectorSpecies<Float> S = FloatRows.S;
    private static final int L = S.length();
    private static final int BLOCK = FloatRows.BLOCK;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // ---- contiguous rows ----

    /** Max of the row, ignoring NaN; -inf for an empty or all-NaN row. */
    static float rowMax(MemorySegment in, long base, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE);
            m = m.blend(v, v.compare(VectorOperators.GT, m));
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE, k);
            m = m.blend(v, v.compare(VectorOperators.GT, m).and(k));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Sum of exp((x - max) * invT) over the row, in fp64; when {@code store}, the exp values are
     * also written to {@code out} (the softmax numerators).
     */
    static double rowExpSum(MemorySegment in, MemorySegment out, long base, int n, float max, float invT, boolean store) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        double total = 0;
        int i = 0;
        int full = S.loopBound(n);
        while (i < full) {
            int end = Math.min(full, i + BLOCK);
            FloatVector s = FloatVector.zero(S);
            for (; i < end; i += L) {
                FloatVector e = VectorMath.expNonPositive(FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE).sub(vm).mul(vt));
                if (store) {
                    e.intoMemorySegment(out, (base + i) * 4L, LE);
                }
                s = s.add(e);
            }
            total += s.reduceLanes(VectorOperators.ADD);
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE, k).sub(vm).mul(vt));
            if (store) {
                e.intoMemorySegment(out, (base + i) * 4L, LE, k);
            }
            total += e.blend(0, k.not()).reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** out = out * scale over the row. */
    static void rowScale(MemorySegment out, long base, int n, float scale) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector.fromMemorySegment(S, out, (base + i) * 4L, LE).mul(scale).intoMemorySegment(out, (base + i) * 4L, LE);
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            FloatVector.fromMemorySegment(S, out, (base + i) * 4L, LE, k).mul(scale).intoMemorySegment(out, (base + i) * 4L, LE, k);
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
    static void rowLogNormalize(MemorySegment in, MemorySegment out, long base, int n, float max, float invT, float logSum) {
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vt = FloatVector.broadcast(S, invT);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            logit(FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE), vm, vt).sub(logSum).intoMemorySegment(out, (base + i) * 4L, LE);
        }
        if (i < n) {
            VectorMask<Float> k = S.indexInRange(i, n);
            logit(FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE, k), vm, vt).sub(logSum).intoMemorySegment(out, (base + i) * 4L, LE, k);
        }
    }

    static void softmaxRow(MemorySegment in, MemorySegment out, long base, int n, float invT, boolean log) {
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

    static boolean rowHasNaN(MemorySegment in, long base, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            if (FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE, k).test(VectorOperators.IS_NAN).and(k).anyTrue()) {
                return true;
            }
        }
        return false;
    }

    /** logsumexp of the row with torch's rules for infinities; NaN if the row has one. */
    static double logSumExpRow(MemorySegment in, long base, int n) {
        float max = rowMax(in, base, n);
        if (Float.isInfinite(max)) {
            // Empty, all -inf or containing +inf: the sum is not needed, only whether a NaN hides.
            return rowHasNaN(in, base, n) ? Double.NaN : max;
        }
        return max + Math.log(rowExpSum(in, null, base, n, max, 1f, false));
    }

    /** Index of the first maximum; the first NaN wins (numpy / torch argmax). The row must be non-empty. */
    static int argmaxRow(MemorySegment in, long base, int n) {
        float max = rowMax(in, base, n);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            VectorMask<Float> nan = FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE, k).test(VectorOperators.IS_NAN).and(k);
            if (nan.anyTrue()) {
                return i + nan.firstTrue();
            }
        }
        FloatVector vm = FloatVector.broadcast(S, max);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> k = S.indexInRange(i, n);
            VectorMask<Float> hit = FloatVector.fromMemorySegment(S, in, (base + i) * 4L, LE, k).compare(VectorOperators.EQ, vm).and(k);
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
        out.asSlice(base * 4L, n * 4L).fill((byte) 0);
        out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, base + hot, 1f);
    }

    // ---- elementwise ----

    static void sigmoid(MemorySegment in, MemorySegment out, long from, long to, boolean log) {
        for (long i = from; i < to; i += L) {
            VectorMask<Float> k = S.indexInRange(i, to);
            FloatVector x = FloatVector.fromMemorySegment(S, in, (i) * 4L, LE, k);
            FloatVector e = VectorMath.expNonPositive(x.abs().neg());
            FloatVector y;
            if (log) {
                // log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|); the blend keeps NaN.
                y = x.blend(0f, x.compare(VectorOperators.GT, 0f)).sub(e.lanewise(VectorOperators.LOG1P));
            } else {
                // 1/(1+e^-x) for x >= 0, e^x/(1+e^x) for x < 0: never overflows.
                y = e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f));
            }
            y.intoMemorySegment(out, (i) * 4L, LE, k);
        }
    }
}
