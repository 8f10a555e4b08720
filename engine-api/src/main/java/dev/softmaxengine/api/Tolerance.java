package dev.softmaxengine.api;

/**
 * An error bound a backend promises against the fp64 oracle: {@code |y - ref| <= atol + rtol * |ref|}
 * elementwise, with NaN, infinities and zeros matched exactly (an infinite or NaN reference must be
 * reproduced as such).
 *
 * @param rtol the relative bound, a fraction of {@code |ref|} ({@code 0x1p-24} is half a float32
 *     ulp); {@code >= 0}
 * @param atol the absolute bound, in the units of the values, that covers results near 0;
 *     {@code >= 0}
 */
public record Tolerance(double rtol, double atol) {
    /**
     * Checks both bounds.
     *
     * @throws IllegalArgumentException when {@code rtol} or {@code atol} is negative or NaN
     */
    public Tolerance {
        if (!(rtol >= 0) || !(atol >= 0)) {
            throw new IllegalArgumentException("rtol and atol must be >= 0, were " + rtol + ", " + atol);
        }
    }

    /**
     * Whether one result meets this bound.
     *
     * @param actual the backend's result
     * @param reference the oracle's fp64 result
     * @return whether {@code actual} is within the bound of {@code reference}: for a NaN reference,
     *     whether {@code actual} is NaN; for an infinite one, whether {@code actual} is the same
     *     infinity; with finite bounds, a NaN or infinite {@code actual} never matches a finite reference
     */
    public boolean accepts(double actual, double reference) {
        if (Double.isNaN(reference) || Double.isInfinite(reference)) {
            return Double.compare(actual, reference) == 0 || (Double.isNaN(actual) && Double.isNaN(reference));
        }
        return Math.abs(actual - reference) <= atol + rtol * Math.abs(reference);
    }

    /**
     * The bound of a result that met this one and was then rounded once more, to nearest, to
     * {@code dtype}: how a backend that computes a 16-bit op in float32 states its bound. Rounding
     * adds at most {@code u |y|} in the normal range and {@code u * minNormal} below it (half the
     * subnormal spacing), with u the dtype's {@link DType#unitRoundoff()}; an exact bound stays
     * exact (hardmax's 0 and 1 round to themselves).
     *
     * @param dtype a floating dtype, not null
     * @return {@code (rtol + u (1 + rtol), atol (1 + u) + u * minNormal)}, or this bound when it is exact
     * @throws IllegalArgumentException when {@code dtype} is null or not floating
     */
    public Tolerance roundedTo(DType dtype) {
        if (dtype == null || !dtype.isFloating()) {
            throw new IllegalArgumentException("dtype must be a floating dtype, was " + dtype);
        }
        if (rtol == 0 && atol == 0) {
            return this;
        }
        double u = dtype.unitRoundoff();
        return new Tolerance(rtol + u * (1 + rtol), atol * (1 + u) + u * dtype.minNormal());
    }

    @Override
    public String toString() {
        return "rtol " + rtol + ", atol " + atol;
    }
}
