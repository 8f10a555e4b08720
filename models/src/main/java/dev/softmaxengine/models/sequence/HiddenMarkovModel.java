package dev.softmaxengine.models.sequence;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A first-order hidden Markov model with discrete emissions: {@code K} states, {@code V} symbols,
 * start π, transitions A and emissions B, all kept in log space. Inference runs batched on a
 * {@link ChainInference}: the log-likelihood is the forward log Z, posteriors are the chain's state
 * marginals and decoding is Viterbi. Immutable.
 */
public final class HiddenMarkovModel {
    private final int states;
    private final int symbols;
    private final double[] logStart;
    private final double[] logTransition;
    /** Symbol-major, {@code [V, K]}: one symbol's emission scores are the unary potentials of a position. */
    private final double[] logEmission;
    private final ChainPotentials potentials;

    private HiddenMarkovModel(int states, int symbols, double[] logStart, double[] logTransition, double[] logEmission) {
        this.states = states;
        this.symbols = symbols;
        this.logStart = logStart;
        this.logTransition = logTransition;
        this.logEmission = logEmission;
        this.potentials = new ChainPotentials(states, logTransition, logStart, new double[states]);
    }

    /**
     * A model from probabilities: {@code start[k]}, {@code transition[i][j] = P(j | i)},
     * {@code emission[k][v] = P(v | k)}. Each distribution must be non-negative and sum to 1 (within 1e-6).
     *
     * @param start the initial distribution over {@code K} states
     * @param transition {@code K} rows of {@code K} probabilities
     * @param emission {@code K} rows of {@code V} probabilities, one per symbol
     * @return the model, stored as log-probabilities
     * @throws IllegalArgumentException when a shape disagrees or a row is not a distribution
     */
    public static HiddenMarkovModel of(double[] start, double[][] transition, double[][] emission) {
        if (start == null || transition == null || emission == null) {
            throw new IllegalArgumentException("start, transition and emission must not be null");
        }
        int k = start.length;
        if (k < 1) {
            throw new IllegalArgumentException("start must have >= 1 state, was empty");
        }
        if (transition.length != k || emission.length != k) {
            throw new IllegalArgumentException("transition and emission need " + k + " rows (one per state), have "
                    + transition.length + " and " + emission.length);
        }
        int v = emission[0] == null ? 0 : emission[0].length;
        if (v < 1) {
            throw new IllegalArgumentException("emission rows need >= 1 symbol");
        }
        checkDistribution("start", start, k);
        double[] ls = new double[k];
        double[] lt = new double[k * k];
        double[] le = new double[v * k];
        for (int i = 0; i < k; i++) {
            ls[i] = Math.log(start[i]);
            checkDistribution("transition[" + i + "]", transition[i], k);
            checkDistribution("emission[" + i + "]", emission[i], v);
            for (int j = 0; j < k; j++) {
                lt[i * k + j] = Math.log(transition[i][j]);
            }
            for (int s = 0; s < v; s++) {
                le[s * k + i] = Math.log(emission[i][s]);
            }
        }
        return new HiddenMarkovModel(k, v, ls, lt, le);
    }

    private static void checkDistribution(String name, double[] p, int n) {
        if (p == null || p.length != n) {
            throw new IllegalArgumentException(name + " must have " + n + " elements, was "
                    + (p == null ? "null" : p.length));
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (!(p[i] >= 0) || p[i] > 1) {
                throw new IllegalArgumentException(name + "[" + i + "] must be a probability in [0, 1], was " + p[i]);
            }
            sum += p[i];
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException(name + " must sum to 1, sums to " + sum);
        }
    }

    /** From normalized counts; {@code emission} symbol-major {@code [V, K]}. Takes ownership of the arrays. */
    static HiddenMarkovModel fromProbabilities(int states, int symbols, double[] start, double[] transition, double[] emission) {
        for (double[] a : List.of(start, transition, emission)) {
            for (int i = 0; i < a.length; i++) {
                a[i] = Math.log(a[i]);
            }
        }
        return new HiddenMarkovModel(states, symbols, start, transition, emission);
    }

    /**
     * Maximum-likelihood estimates from fully observed sequences, by counting, with add-{@code smoothing}
     * (Laplace / Dirichlet) pseudo-counts on every start, transition and emission. A state never seen
     * with {@code smoothing == 0} gets uniform rows.
     *
     * @param observations symbol sequences, each symbol in {@code [0, symbols)}
     * @param stateSequences each sequence's states, as long as it, each in {@code [0, states)}
     * @param states the number of states, at least 1
     * @param symbols the number of symbols, at least 1
     * @param smoothing the pseudo-count added to every count, at least 0
     * @return the estimated model
     */
    public static HiddenMarkovModel estimate(int[][] observations, int[][] stateSequences, int states, int symbols,
                                             double smoothing) {
        if (states < 1 || symbols < 1) {
            throw new IllegalArgumentException("states and symbols must be >= 1, were " + states + " and " + symbols);
        }
        if (!(smoothing >= 0) || Double.isInfinite(smoothing)) {
            throw new IllegalArgumentException("smoothing must be finite and >= 0, was " + smoothing);
        }
        checkSymbols("observations", observations, symbols);
        checkSymbols("stateSequences", stateSequences, states);
        if (observations.length != stateSequences.length) {
            throw new IllegalArgumentException("observations has " + observations.length
                    + " sequences, stateSequences " + stateSequences.length);
        }
        double[] start = new double[states];
        double[] trans = new double[states * states];
        double[] emit = new double[symbols * states];
        for (int n = 0; n < observations.length; n++) {
            int[] x = observations[n];
            int[] y = stateSequences[n];
            if (x.length != y.length) {
                throw new IllegalArgumentException("sequence " + n + " has " + x.length + " observations and "
                        + y.length + " states");
            }
            for (int t = 0; t < x.length; t++) {
                if (t == 0) {
                    start[y[0]]++;
                } else {
                    trans[y[t - 1] * states + y[t]]++;
                }
                emit[x[t] * states + y[t]]++;
            }
        }
        normalize(start, 1, states, false, smoothing);
        normalize(trans, states, states, false, smoothing);
        normalize(emit, states, symbols, true, smoothing);
        return fromProbabilities(states, symbols, start, trans, emit);
    }

    /**
     * Normalizes {@code rows} distributions over {@code n} outcomes in place, after adding
     * {@code pseudo} to every count; the layout is {@code [rows, n]}, or {@code [n, rows]} when
     * {@code outcomeMajor}. A row with no mass becomes uniform.
     */
    static void normalize(double[] counts, int rows, int n, boolean outcomeMajor, double pseudo) {
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int o = 0; o < n; o++) {
                sum += counts[outcomeMajor ? o * rows + r : r * n + o] + pseudo;
            }
            for (int o = 0; o < n; o++) {
                int i = outcomeMajor ? o * rows + r : r * n + o;
                counts[i] = sum > 0 ? (counts[i] + pseudo) / sum : 1.0 / n;
            }
        }
    }

    /**
     * Rows drawn uniformly at random from the simplex interior: a starting point for {@link BaumWelch}.
     *
     * @param states the number of states, at least 1
     * @param symbols the number of symbols, at least 1
     * @param rng the source of randomness
     * @return a model with every probability positive
     */
    public static HiddenMarkovModel random(int states, int symbols, RandomGenerator rng) {
        if (states < 1 || symbols < 1) {
            throw new IllegalArgumentException("states and symbols must be >= 1, were " + states + " and " + symbols);
        }
        double[] start = new double[states];
        double[] trans = new double[states * states];
        double[] emit = new double[symbols * states];
        for (double[] a : List.of(start, trans, emit)) {
            for (int i = 0; i < a.length; i++) {
                a[i] = 0.5 + rng.nextDouble();
            }
        }
        normalize(start, 1, states, false, 0);
        normalize(trans, states, states, false, 0);
        normalize(emit, states, symbols, true, 0);
        return fromProbabilities(states, symbols, start, trans, emit);
    }

    static void checkSymbols(String name, int[][] sequences, int range) {
        if (sequences == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        for (int n = 0; n < sequences.length; n++) {
            int[] x = sequences[n];
            if (x == null) {
                throw new IllegalArgumentException(name + "[" + n + "] must not be null");
            }
            for (int t = 0; t < x.length; t++) {
                if (x[t] < 0 || x[t] >= range) {
                    throw new IllegalArgumentException(name + "[" + n + "][" + t + "] must be in [0, " + range
                            + "), was " + x[t]);
                }
            }
        }
    }

    /**
     * The number of hidden states {@code K}.
     *
     * @return at least 1
     */
    public int states() {
        return states;
    }

    /**
     * The number of observable symbols {@code V}.
     *
     * @return at least 1
     */
    public int symbols() {
        return symbols;
    }

    /**
     * {@code log P(y_0 = state)}.
     *
     * @param state in {@code [0, states())}
     * @return at most 0; {@code -inf} for an impossible start
     */
    public double logStart(int state) {
        return logStart[state];
    }

    /**
     * {@code log P(y_t+1 = to | y_t = from)}.
     *
     * @param from the state at {@code t}, in {@code [0, states())}
     * @param to the state at {@code t + 1}, in {@code [0, states())}
     * @return at most 0
     */
    public double logTransition(int from, int to) {
        return logTransition[from * states + to];
    }

    /**
     * {@code log P(x_t = symbol | y_t = state)}.
     *
     * @param state in {@code [0, states())}
     * @param symbol in {@code [0, symbols())}
     * @return at most 0
     */
    public double logEmission(int state, int symbol) {
        return logEmission[symbol * states + state];
    }

    ChainPotentials potentials() {
        return potentials;
    }

    static int[] lengths(int[][] sequences) {
        int[] l = new int[sequences.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = sequences[i].length;
        }
        return l;
    }

    /** Resets {@code b} for the given sequences and sets their emission scores as unary potentials. */
    void load(ChainBatch b, int[] batch, int[][] sequences) {
        int[] lengths = new int[batch.length];
        for (int i = 0; i < batch.length; i++) {
            lengths[i] = sequences[batch[i]].length;
        }
        b.reset(lengths);
        double[] u = b.unary;
        for (int i = 0; i < batch.length; i++) {
            int[] x = sequences[batch[i]];
            for (int t = 0; t < x.length; t++) {
                System.arraycopy(logEmission, x[t] * states, u, b.offset(i, t), states);
            }
        }
    }

    /**
     * log P(x) of every sequence (0 for an empty one).
     *
     * @param inference the batched forward-backward / Viterbi runner, on the engine's kernel
     * @param sequences symbol sequences, each symbol in {@code [0, symbols())}
     * @return one log-likelihood per sequence, at most 0
     */
    public double[] logLikelihood(ChainInference inference, int[][] sequences) {
        checkSymbols("sequences", sequences, symbols);
        double[] out = new double[sequences.length];
        inference.forEachBatch(lengths(sequences), () -> new ChainBatch(states), (b, batch) -> {
            load(b, batch, sequences);
            inference.chain().forward(potentials, b);
            for (int i = 0; i < batch.length; i++) {
                out[batch[i]] = b.logPartition(i);
            }
        });
        return out;
    }

    /**
     * Posterior state marginals: {@code out[n][t * K + k] = P(y_t = k | x)} of sequence {@code n}.
     *
     * @param inference the batched forward-backward / Viterbi runner, on the engine's kernel
     * @param sequences symbol sequences, each symbol in {@code [0, symbols())}
     * @return per sequence, {@code length x K} probabilities, row-major
     */
    public double[][] posteriors(ChainInference inference, int[][] sequences) {
        checkSymbols("sequences", sequences, symbols);
        double[][] out = new double[sequences.length][];
        inference.forEachBatch(lengths(sequences), () -> new ChainBatch(states), (b, batch) -> {
            load(b, batch, sequences);
            LinearChain chain = inference.chain();
            chain.forward(potentials, b);
            chain.backward(potentials, b);
            chain.stateMarginals(b);
            for (int i = 0; i < batch.length; i++) {
                int len = sequences[batch[i]].length;
                double[] m = new double[len * states];
                for (int t = 0; t < len; t++) {
                    System.arraycopy(b.marginal, b.offset(i, t), m, t * states, states);
                }
                out[batch[i]] = m;
            }
        });
        return out;
    }

    /**
     * The most probable state sequence of every sequence.
     *
     * @param inference the batched forward-backward / Viterbi runner, on the engine's kernel
     * @param sequences symbol sequences, each symbol in {@code [0, symbols())}
     * @return per sequence, one state per symbol
     */
    public int[][] viterbi(ChainInference inference, int[][] sequences) {
        checkSymbols("sequences", sequences, symbols);
        int[][] out = new int[sequences.length][];
        inference.forEachBatch(lengths(sequences), () -> new ChainBatch(states), (b, batch) -> {
            load(b, batch, sequences);
            inference.chain().viterbi(potentials, b);
            for (int i = 0; i < batch.length; i++) {
                out[batch[i]] = b.path(i);
            }
        });
        return out;
    }
}
