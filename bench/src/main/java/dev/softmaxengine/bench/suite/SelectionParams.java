package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.Sampling;

/**
 * The parameters of the suite's top-k and sample cases, named as {@code softmax-engine apply} names
 * them: {@code --k} for top-k; {@code --temperature}, {@code --top-k}, {@code --top-p}, {@code --min-p}
 * and {@code --seed} for sample. The bench samples with top-p 0.95 by default (apply's default is 1,
 * no restriction), so that a sample case times the top-p boundary search that a language model's
 * sampler pays for, and that torch's sort + cumsum recipe pays for too.
 *
 * @param k top-k's k, at least 1 and at most every case's row length
 * @param temperature sample's temperature (0 is argmax)
 * @param topK sample's top-k (0: none)
 * @param topP sample's top-p, in (0, 1]
 * @param minP sample's min-p, in [0, 1]
 * @param seed sample's key
 */
public record SelectionParams(int k, double temperature, int topK, double topP, double minP, long seed) {
    public static final SelectionParams DEFAULT = new SelectionParams(50, 1.0, 0, 0.95, 0.0, 0);

    /** @throws IllegalArgumentException naming the option that is out of range */
    public SelectionParams {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        try {
            new Sampling(temperature, topK, topP, minP, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sample's " + e.getMessage(), e);
        }
    }

    /** The sample parameters as the kernels take them. */
    public Sampling sampling() {
        return new Sampling(temperature, topK, topP, minP, seed);
    }
}
