package dev.softmaxengine.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD backend's own vector exp, as its softmax, log-softmax, logsumexp and sigmoid passes call
 * it, for code outside the backend that measures it: the bench's exp micro-benchmark and the
 * compute roof of its report (exp throughput in registers, no memory traffic). Same bounds as the
 * kernels: arguments {@code x <= 0} or NaN; float max error 0.90 ulp over [-87.3, 0], double 1 ulp
 * over [-708, 0]; results below the smallest normal flush to 0. Positive arguments are outside its
 * contract (the kernels subtract the row max first).
 */
public final class VectorExp {
    private VectorExp() {
    }

    /** The species the kernels compute float32 in ({@link FloatVector#SPECIES_PREFERRED}). */
    public static VectorSpecies<Float> floatSpecies() {
        return FloatRows.S;
    }

    /** The species the kernels compute float64 in ({@link DoubleVector#SPECIES_PREFERRED}). */
    public static VectorSpecies<Double> doubleSpecies() {
        return DoubleRows.S;
    }

    /** {@code e^x} lane-wise for {@code x <= 0} (or NaN), as the float32 kernels compute it. */
    public static FloatVector expNonPositive(FloatVector x) {
        return VectorMath.expNonPositive(x);
    }

    /** {@code e^x} lane-wise for {@code x <= 0} (or NaN), as the float64 kernels compute it. */
    public static DoubleVector expNonPositive(DoubleVector x) {
        return VectorMath.expNonPositive(x);
    }
}
