package dev.softmaxengine.testkit;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tolerance;

/**
 * The loosest error bound any backend may declare, per op and dtype, against the fp64 oracle (whose
 * own error is one rounding to the output dtype, u/2 with u = 2^-24 or 2^-53). A backend that needs
 * more is wrong, however it documents itself. The README's error-bound table states these.
 *
 * <ul>
 *   <li>Softmax, float32: a float32 kernel subtracts the max in float32, so z = (x - max) / T
 *       carries |z| u absolute error, relative in exp(z); |z| <= 104 while exp(z) is normal, so
 *       ~3|z| u + 64 u for exp, sum and division is about 376 u: ceiling 512 u (3.1e-5), atol the
 *       smallest normal (flushed subnormals).</li>
 *   <li>Softmax, float64: the same analysis with |z| <= 745: ~3|z| u + 64 u, about 2300 u: ceiling
 *       4096 u (4.5e-13), atol the smallest normal. (Kernels that scale z exactly as the oracle
 *       does measure far less; the looseness check then holds them to it.)</li>
 *   <li>Log-softmax and logsumexp: 16 u relative, 128 u absolute where the result is near 0 (the
 *       rounding of max + log(sum) with log(sum) up to log(2^20)).</li>
 *   <li>Sigmoid and log-sigmoid: 16 u relative, atol the smallest normal.</li>
 *   <li>Hardmax and argmax: exact.</li>
 *   <li>bfloat16 and float16 (u_h = 2^-8, 2^-11): read exactly into float32 and computed there, so
 *       the float32 ceiling holds before the result is rounded once to the 16-bit dtype, which adds
 *       u_h |y| (u_h minNormal below the normal range); the ceiling allows one rounding more, for a
 *       kernel that rounds an intermediate to the dtype: rtol = r32 + 2 u_h (1 + r32), atol =
 *       a32 (1 + u_h) + 2 u_h minNormal. bfloat16 softmax: 7.8e-3 relative; float16: 1.0e-3.
 *       Output rounding dominates every op: r32 <= 512 u is under 2^-15.</li>
 * </ul>
 */
public final class ErrorCeilings {
    private static final double U32 = 0x1p-24;
    private static final double U64 = 0x1p-53;

    private ErrorCeilings() {
    }

    /** The ceiling for {@code op} in {@code dtype} (any floating dtype). */
    public static Tolerance of(Op op, DType dtype) {
        if (dtype.isHalf()) {
            Tolerance c = of(op, DType.FLOAT32);
            if (c.rtol() == 0 && c.atol() == 0) {
                return c;
            }
            double uh = dtype.unitRoundoff();
            return new Tolerance(c.rtol() + 2 * uh * (1 + c.rtol()), c.atol() * (1 + uh) + 2 * uh * dtype.minNormal());
        }
        boolean f32 = dtype == DType.FLOAT32;
        double u = f32 ? U32 : U64;
        double tiny = f32 ? 0x1p-126 : 0x1p-1022;
        return switch (op) {
            case SOFTMAX -> new Tolerance(f32 ? 512 * u : 4096 * u, tiny);
            case LOG_SOFTMAX, LOGSUMEXP -> new Tolerance(16 * u, 128 * u);
            case SIGMOID, LOG_SIGMOID -> new Tolerance(16 * u, tiny);
            case HARDMAX, ARGMAX -> new Tolerance(0, 0);
            // Top-k's values are copies (its parity test demands them exact); sample's log-probabilities
            // are a log-softmax of the kept set.
            case TOP_K, SAMPLE -> new Tolerance(16 * u, 128 * u);
        };
    }
}
