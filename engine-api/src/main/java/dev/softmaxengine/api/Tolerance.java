package dev.softmaxengine.api;

/**
 * An error bound a backend promises against the fp64 oracle: {@code |y - ref| <= atol + rtol * |ref|}
 * elementwise, with NaN, infinities and zeros matched exactly (an infinite or NaN reference must be
 * reproduced as such).
 */
public record Tolerance(double rtol, double atol) {
    public Tolerance {
        if (!(rtol >= 0) || !(atol >= 0)) {
            throw new IllegalArgumentException("rtol and atol must be >= 0, were " + rtol + ", " + atol);
        }
    }

    public boolean accepts(double actual, double reference) {
        if (Double.isNaN(reference) || Double.isInfinite(reference)) {
            return Double.compare(actual, reference) == 0 || (Double.isNaN(actual) && Double.isNaN(reference));
        }
        return Math.abs(actual - reference) <= atol + rtol * Math.abs(reference);
    }

    @Override
    public String toString() {
        return "rtol " + rtol + ", atol " + atol;
    }
}
