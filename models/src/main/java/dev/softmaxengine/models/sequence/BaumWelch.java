package dev.softmaxengine.models.sequence;

import java.util.Arrays;
import java.util.List;

/**
 * Unsupervised HMM training by expectation-maximization (Baum-Welch). The E-step is the batched
 * forward-backward of {@link LinearChain} (state marginals and expected transitions from kernel
 * calls); the M-step normalizes the expected counts. With {@code pseudoCount == 0} this is plain EM,
 * whose log-likelihood never decreases; a positive pseudo-count is MAP-EM under a symmetric
 * Dirichlet prior (it keeps unseen emissions possible, and the log-posterior is what never decreases).
 */
public final class BaumWelch {
    private final ChainInference inference;
    private final int maxIterations;
    private final double tolerance;
    private final double pseudoCount;

    /**
     * The trained model and the log-likelihood of the data under each iterate, the last being {@code model}'s.
     *
     * @param model the last iterate
     * @param logLikelihoods the data's log-likelihood under the initial model and each iterate
     * @param converged whether the tolerance test stopped it (not the iteration limit)
     */
    public record Result(HiddenMarkovModel model, double[] logLikelihoods, boolean converged) {
    }

    /**
     * Expectation-maximization for an HMM of unobserved states.
     *
     * @param inference the batched forward-backward runner; not null
     * @param maxIterations M-steps at most, at least 0
     * @param tolerance     stop once an iteration improves the log-likelihood by less than
     *                      {@code tolerance * |log-likelihood|}
     * @param pseudoCount   added to every expected count before normalizing
     */
    public BaumWelch(ChainInference inference, int maxIterations, double tolerance, double pseudoCount) {
        if (inference == null) {
            throw new IllegalArgumentException("inference must not be null");
        }
        if (maxIterations < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0, was " + maxIterations);
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("tolerance must be >= 0, was " + tolerance);
        }
        if (!(pseudoCount >= 0) || Double.isInfinite(pseudoCount)) {
            throw new IllegalArgumentException("pseudoCount must be finite and >= 0, was " + pseudoCount);
        }
        this.inference = inference;
        this.maxIterations = maxIterations;
        this.tolerance = tolerance;
        this.pseudoCount = pseudoCount;
    }

    private static final class Counts {
        final ChainBatch batch;
        final double[] start;
        final double[] transition;
        final double[] emission;
        double logLikelihood;

        Counts(int states, int symbols) {
            batch = new ChainBatch(states);
            start = new double[states];
            transition = new double[states * states];
            emission = new double[symbols * states];
        }
    }

    /**
     * Runs EM from {@code initial} until the tolerance or iteration limit stops it.
     *
     * @param initial the starting model, e.g. {@link HiddenMarkovModel#random}; not null
     * @param sequences symbol sequences, each symbol in {@code [0, initial.symbols())}
     * @return the trained model and the log-likelihood trace
     */
    public Result fit(HiddenMarkovModel initial, int[][] sequences) {
        if (initial == null) {
            throw new IllegalArgumentException("initial must not be null");
        }
        HiddenMarkovModel.checkSymbols("sequences", sequences, initial.symbols());
        double[] trace = new double[maxIterations + 1];
        HiddenMarkovModel model = initial;
        for (int it = 0; ; it++) {
            Counts c = expectedCounts(model, sequences);
            trace[it] = c.logLikelihood;
            if (it > 0 && trace[it] - trace[it - 1] < tolerance * Math.abs(trace[it])) {
                return new Result(model, Arrays.copyOf(trace, it + 1), true);
            }
            if (it == maxIterations) {
                return new Result(model, trace, false);
            }
            int k = model.states();
            int v = model.symbols();
            HiddenMarkovModel.normalize(c.start, 1, k, false, pseudoCount);
            HiddenMarkovModel.normalize(c.transition, k, k, false, pseudoCount);
            HiddenMarkovModel.normalize(c.emission, k, v, true, pseudoCount);
            model = HiddenMarkovModel.fromProbabilities(k, v, c.start, c.transition, c.emission);
        }
    }

    /** E-step: expected start, transition and emission counts, summed over threads in a fixed order. */
    private Counts expectedCounts(HiddenMarkovModel model, int[][] sequences) {
        int k = model.states();
        int v = model.symbols();
        ChainPotentials p = model.potentials();
        LinearChain chain = inference.chain();
        List<Counts> parts = inference.forEachBatch(HiddenMarkovModel.lengths(sequences), () -> new Counts(k, v),
                (c, batch) -> {
                    ChainBatch b = c.batch;
                    model.load(b, batch, sequences);
                    chain.forward(p, b);
                    chain.backward(p, b);
                    chain.stateMarginals(b);
                    chain.expectedTransitions(p, b, c.transition, null);
                    double[] m = b.marginal;
                    for (int i = 0; i < batch.length; i++) {
                        double z = b.logPartition(i);
                        int[] x = sequences[batch[i]];
                        c.logLikelihood += z;
                        if (z == Double.NEGATIVE_INFINITY || x.length == 0) {
                            continue;
                        }
                        int first = b.offset(i, 0);
                        for (int j = 0; j < k; j++) {
                            c.start[j] += m[first + j];
                        }
                        for (int t = 0; t < x.length; t++) {
                            int o = b.offset(i, t);
                            int e = x[t] * k;
                            for (int j = 0; j < k; j++) {
                                c.emission[e + j] += m[o + j];
                            }
                        }
                    }
                });
        Counts total = new Counts(k, v);
        for (Counts c : parts) {
            total.logLikelihood += c.logLikelihood;
            add(total.start, c.start);
            add(total.transition, c.transition);
            add(total.emission, c.emission);
        }
        return total;
    }

    private static void add(double[] into, double[] from) {
        for (int i = 0; i < into.length; i++) {
            into[i] += from[i];
        }
    }
}
