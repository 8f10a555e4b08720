package dev.softmaxengine.api;

/**
 * The parameters of {@link Op#SAMPLE}: one draw per row from softmax(x / temperature), restricted
 * first to the {@code topK} largest entries, then to the smallest prefix (largest first) whose
 * probability mass is at least {@code topP}, then to the entries whose probability is at least
 * {@code minP} times the largest. The random number of row {@code r} is Philox4x32-10 keyed by
 * {@code seed} at counter {@code r}, so a seed gives the same draws on every backend and thread
 * count.
 *
 * @param temperature divides the logits; finite and {@code >= 0}, where 0 draws the first maximum (argmax)
 * @param topK how many of the largest entries stay candidates; 0 for all, else {@code >= 1} (and at
 *     most the row length, checked with the input)
 * @param topP the mass of the kept prefix, in {@code (0, 1]}; 1 keeps every candidate
 * @param minP the least probability kept, as a fraction of the largest, in {@code [0, 1]}; 0 keeps every candidate
 * @param seed the key of the random numbers
 */
public record Sampling(double temperature, int topK, double topP, double minP, long seed) {
    /**
     * Checks each parameter.
     *
     * @throws IllegalArgumentException naming the parameter that is out of range
     */
    public Sampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0 (0 is argmax), was " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 keeps every entry), was " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1], was " + minP);
        }
    }

    /**
     * Plain sampling from softmax(x / temperature): no top-k, top-p or min-p restriction.
     *
     * @param temperature as for the record, finite and {@code >= 0}
     * @param seed the key of the random numbers
     * @return the parameters
     * @throws IllegalArgumentException when {@code temperature} is out of range
     */
    public static Sampling of(double temperature, long seed) {
        return new Sampling(temperature, 0, 1.0, 0.0, seed);
    }
}
