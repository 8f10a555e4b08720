package dev.softmaxengine.api.spi;

/**
 * The rules every backend's top-k and sample share, so their results agree: the order of entries
 * (by {@link #key}, then lower index first), and the slack of the top-p and min-p boundaries.
 *
 * <p>A sample's kept set is the first {@code L} entries in that order, where {@code L} is the least
 * of: top-k's k; the shortest prefix whose mass {@code sum p_i} reaches {@code (topP - SLACK)} of the
 * top-k's mass (no cut at top-p 1); the number of entries with {@code p_i >= minP * (1 - SLACK)}, where
 * {@code p_i = exp((x_i - max) / T)} in fp64 (so the largest is 1; the oracle uses
 * {@link StrictMath#exp}, identical on every JVM and JIT tier, as does simd's top-k path). The draw walks the kept set in
 * index order: with {@code u} = {@link Philox#uniform(long, long)} of (seed, row) and {@code S} the
 * kept mass (a compensated sum), it is the first kept index whose running sum exceeds {@code u * S} (the last kept
 * entry of nonzero p when rounding leaves the sum short). The slack makes a boundary written exactly
 * (top-p 0.75 of probabilities 0.5, 0.25, ...) count as reached although the sums round, so
 * backends whose fp64 sums differ in the last bits still keep the same set.
 */
public final class Selection {
    /** Relative slack of the top-p and min-p boundaries. */
    public static final double SLACK = 1e-12;

    private Selection() {
    }

    /**
     * An integer that orders doubles as the ops do: -0.0 equal to 0.0, every NaN above +inf.
     *
     * @param x a value (a float32 one widened)
     * @return a key; {@code key(a) > key(b)} exactly when a is ranked above b
     */
    public static long key(double x) {
        if (x != x) {
            return Long.MAX_VALUE;
        }
        long bits = Double.doubleToRawLongBits(x + 0.0);
        return bits ^ ((bits >> 63) & Long.MAX_VALUE);
    }
}
