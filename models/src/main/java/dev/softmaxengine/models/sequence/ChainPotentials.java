package dev.softmaxengine.models.sequence;

/**
 * The position-independent log-potentials of a linear chain over {@code K} states: transitions
 * {@code i -> j}, a start score for the first state and an end score for the last. For an HMM
 * these are log π, log A and 0 (or log P(stop | i)); for a CRF they are learned weights.
 * Entries may be {@code -inf} (a forbidden move), never NaN or {@code +inf}.
 */
public final class ChainPotentials {
    private final int states;
    private final double[] transition;
    private final double[] transposed;
    private final double[] start;
    private final double[] end;

    /**
     * The log-potentials of a chain of {@code states} states; the arrays are kept, not copied.
     *
     * @param states the number of states {@code K}, at least 1
     * @param transition {@code K * K} scores, row-major: {@code transition[i * K + j]} scores {@code i -> j}
     * @param start      {@code K} scores of the first state
     * @param end        {@code K} scores of the last state
     */
    public ChainPotentials(int states, double[] transition, double[] start, double[] end) {
        if (states < 1) {
            throw new IllegalArgumentException("states must be >= 1, was " + states);
        }
        check("transition", transition, (long) states * states);
        check("start", start, states);
        check("end", end, states);
        this.states = states;
        this.transition = transition.clone();
        this.start = start.clone();
        this.end = end.clone();
        this.transposed = new double[states * states];
        for (int i = 0; i < states; i++) {
            for (int j = 0; j < states; j++) {
                transposed[j * states + i] = transition[i * states + j];
            }
        }
    }

    private static void check(String name, double[] a, long expected) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " has " + a.length + " elements, " + expected + " needed");
        }
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i]) || a[i] == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(name + "[" + i + "] must be finite or -inf, was " + a[i]);
            }
        }
    }

    /**
     * The number of states.
     *
     * @return {@code K}, at least 1
     */
    public int states() {
        return states;
    }

    /**
     * The transition score {@code from -> to}.
     *
     * @param from in {@code [0, states())}
     * @param to in {@code [0, states())}
     * @return the log-potential
     */
    public double transition(int from, int to) {
        return transition[from * states + to];
    }

    /**
     * The score of starting in {@code state}.
     *
     * @param state in {@code [0, states())}
     * @return the log-potential
     */
    public double start(int state) {
        return start[state];
    }

    /**
     * The score of ending in {@code state}.
     *
     * @param state in {@code [0, states())}
     * @return the log-potential
     */
    public double end(int state) {
        return end[state];
    }

    double[] transitions() {
        return transition;
    }

    /** {@code transposed[j * K + i] = transition(i, j)}: rows indexed by the target state. */
    double[] transposedTransitions() {
        return transposed;
    }

    double[] starts() {
        return start;
    }

    double[] ends() {
        return end;
    }
}
