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
 * </ul>
 */
public final class ErrorCeilings {
    private static final double U32 = 0x1p-24;
    private static final double U64 = 0x1p-53;

    private ErrorCeilings() {
    }

    /** The ceiling for {@code op} in {@code dtype} (FLOAT32 or FLOAT64). */
    public static Tolerance of(Op op, DType dtype) {
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
