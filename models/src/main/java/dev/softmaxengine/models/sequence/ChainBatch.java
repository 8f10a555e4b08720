package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.Tensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A batch of variable-length sequences over {@code K} states, padded to the longest and laid out
 * time-major ({@code [T, B, K]}). Slots are ordered by decreasing length, so the sequences still
 * running at step {@code t} are slots {@code 0 .. active(t) - 1}: the dynamic programs fill only
 * those, and each step is one kernel call on a {@code [B, K, K]} tensor whose few finished rows are
 * left over from earlier steps and ignored.
 *
 * <p>A batch is a reusable workspace: {@link #reset} re-lays it out for new lengths and only grows
 * its arrays. Not thread-safe; use one per thread. {@link LinearChain} fills in the messages; the
 * caller sets the unary log-potentials first ({@link #setUnary}).
 */
public final class ChainBatch {
    private final int states;
    private int size;
    private int length;
    private int[] slotLength = new int[0];
    private int[] slotOf = new int[0];
    private int[] sequenceOf = new int[0];
    private int[] active = new int[1];
    private final Map<Integer, Stage> stages = new HashMap<>();
    private Stage stage;

    double[] unary = new double[0];
    double[] alpha = new double[0];
    double[] beta = new double[0];
    double[] marginal = new double[0];
    double[] delta = new double[0];
    int[] backpointer = new int[0];
    int[] path = new int[0];
    double[] logZ = new double[0];
    double[] score = new double[0];
    final double[] pairCounts;
    boolean forwardDone;
    boolean backwardDone;
    boolean marginalsDone;
    boolean viterbiDone;

    /**
     * The kernel operands of one batch size: plain arrays of exactly the tensor's size (the CPU
     * backends' fast path) with their views made once, so a step allocates nothing. The cube is
     * {@code [B, K, K]} reduced over its middle axis, and row blocks are state-major {@code [K, B]}
     * reduced over axis 0: either way the kernel's vector lanes run along a whole axis of the batch
     * (K target states, or B sequences) instead of along ragged rows of K.
     */
    static final class Stage {
        final double[] cube;
        final Tensor cubeView;
        final double[] cubeOut;
        final Tensor cubeOutView;
        /** Two {@code [K, B]} row blocks and their {@code [B]} logsumexps, for the pairwise pass's two sides. */
        final double[][] rows = new double[2][];
        final Tensor[] rowsView = new Tensor[2];
        final double[][] lse = new double[2][];
        final Tensor[] lseView = new Tensor[2];
        final int[] argmaxCube;
        final int[] argmaxRows;

        Stage(int size, int states) {
            cube = new double[size * states * states];
            cubeView = Tensor.of(cube, size, states, states);
            cubeOut = new double[size * states];
            cubeOutView = Tensor.of(cubeOut, size, states);
            for (int i = 0; i < 2; i++) {
                rows[i] = new double[states * size];
                rowsView[i] = Tensor.of(rows[i], states, size);
                lse[i] = new double[size];
                lseView[i] = Tensor.of(lse[i], size);
            }
            argmaxCube = new int[size * states];
            argmaxRows = new int[size];
        }
    }

    /**
     * An empty batch for chains of {@code states} states; {@link #reset} lays it out.
     *
     * @param states the number of states {@code K}, at least 1
     * @throws IllegalArgumentException when {@code states} is below 1
     */
    public ChainBatch(int states) {
        if (states < 1) {
            throw new IllegalArgumentException("states must be >= 1, was " + states);
        }
        this.states = states;
        this.pairCounts = new double[states * states];
    }

    /**
     * Lays the batch out for sequences of the given lengths (the batch's sequence {@code i} has
     * {@code lengths[i]} positions) and clears all results. Unary potentials must be set again.
     *
     * @param lengths each sequence's length, at least 0; copied
     */
    public void reset(int[] lengths) {
        if (lengths == null) {
            throw new IllegalArgumentException("lengths must not be null");
        }
        int max = 0;
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 0) {
                throw new IllegalArgumentException("lengths[" + i + "] must be >= 0, was " + lengths[i]);
            }
            max = Math.max(max, lengths[i]);
        }
        int n = lengths.length;
        long cells = (long) max * n * states;
        if (cells > Integer.MAX_VALUE - 8 || (long) n * states * states > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + n + " sequences of up to " + max + " positions over "
                    + states + " states does not fit in one array; use smaller batches");
        }
        size = n;
        length = max;
        if (slotLength.length < n) {
            slotLength = new int[n];
            slotOf = new int[n];
            sequenceOf = new int[n];
            logZ = new double[n];
            score = new double[n];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Integer.compare(lengths[y], lengths[x]));
        for (int s = 0; s < n; s++) {
            sequenceOf[s] = order[s];
            slotOf[order[s]] = s;
            slotLength[s] = lengths[order[s]];
        }
        if (active.length < max + 1) {
            active = new int[max + 1];
        }
        for (int t = 0, s = n; t <= max; t++) {
            while (s > 0 && slotLength[s - 1] <= t) {
                s--;
            }
            active[t] = s;
        }
        if (unary.length < cells) {
            int c = (int) cells;
            unary = new double[c];
            alpha = new double[c];
            beta = new double[c];
            marginal = new double[c];
            delta = new double[c];
            backpointer = new int[c];
        }
        if (path.length < (long) max * n) {
            path = new int[max * n];
        }
        stage = n == 0 ? null : stages.computeIfAbsent(n, m -> new Stage(m, states));
        forwardDone = false;
        backwardDone = false;
        marginalsDone = false;
        viterbiDone = false;
    }

    Stage stage() {
        return stage;
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
     * Number of sequences.
     *
     * @return the length of the last {@link #reset}'s array
     */
    public int size() {
        return size;
    }

    /**
     * Length of the longest sequence.
     *
     * @return at least 0
     */
    public int length() {
        return length;
    }

    /**
     * Length of the batch's sequence {@code sequence}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @return its number of positions
     */
    public int length(int sequence) {
        checkSequence(sequence);
        return slotLength[slotOf[sequence]];
    }

    /** Number of sequences longer than {@code t}: the live slots at step {@code t}. */
    int active(int t) {
        return active[t];
    }

    int slotLength(int slot) {
        return slotLength[slot];
    }

    int sequenceOf(int slot) {
        return sequenceOf[slot];
    }

    /** Index of {@code [t, slot(sequence), 0]} in the time-major arrays; no bounds check. */
    int offset(int sequence, int t) {
        return (t * size + slotOf[sequence]) * states;
    }

    /** Index of {@code [t, slot, 0]}. */
    int slotOffset(int slot, int t) {
        return (t * size + slot) * states;
    }

    /**
     * Sets the {@code K} unary log-potentials of position {@code t} of {@code sequence}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @param t a position of that sequence, in {@code [0, length(sequence))}
     * @param scores at least {@code K} log-potentials, one per state; copied
     */
    public void setUnary(int sequence, int t, double[] scores) {
        checkPosition(sequence, t);
        if (scores == null || scores.length != states) {
            throw new IllegalArgumentException("scores must have " + states + " elements");
        }
        System.arraycopy(scores, 0, unary, offset(sequence, t), states);
    }

    /**
     * log Z of {@code sequence} (its log-likelihood for an HMM); needs {@link LinearChain#forward}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @return the log partition function; 0 for an empty sequence
     */
    public double logPartition(int sequence) {
        checkSequence(sequence);
        requireDone(forwardDone, "forward");
        return logZ[slotOf[sequence]];
    }

    /**
     * P(y_t = state | x) of {@code sequence}; needs {@link LinearChain#stateMarginals}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @param t a position of that sequence, in {@code [0, length(sequence))}
     * @param state in {@code [0, states())}
     * @return a probability in [0, 1]
     */
    public double marginal(int sequence, int t, int state) {
        checkPosition(sequence, t);
        checkState(state);
        requireDone(marginalsDone, "stateMarginals");
        return marginal[offset(sequence, t) + state];
    }

    /**
     * The forward message log alpha_t(state); needs {@link LinearChain#forward}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @param t a position of that sequence, in {@code [0, length(sequence))}
     * @param state in {@code [0, states())}
     * @return the log of the summed potential of every prefix ending in {@code state} at {@code t}
     */
    public double logAlpha(int sequence, int t, int state) {
        checkPosition(sequence, t);
        checkState(state);
        requireDone(forwardDone, "forward");
        return alpha[offset(sequence, t) + state];
    }

    /**
     * The backward message log beta_t(state); needs {@link LinearChain#backward}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @param t a position of that sequence, in {@code [0, length(sequence))}
     * @param state in {@code [0, states())}
     * @return the log of the summed potential of every suffix after {@code state} at {@code t}
     */
    public double logBeta(int sequence, int t, int state) {
        checkPosition(sequence, t);
        checkState(state);
        requireDone(backwardDone, "backward");
        return beta[offset(sequence, t) + state];
    }

    /**
     * The most probable state sequence of {@code sequence}; needs {@link LinearChain#viterbi}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @return a new array of one state per position
     */
    public int[] path(int sequence) {
        checkSequence(sequence);
        requireDone(viterbiDone, "viterbi");
        int slot = slotOf[sequence];
        int[] p = new int[slotLength[slot]];
        for (int t = 0; t < p.length; t++) {
            p[t] = path[t * size + slot];
        }
        return p;
    }

    /**
     * The log-potential of {@link #path}; needs {@link LinearChain#viterbi}.
     *
     * @param sequence index of a sequence in the batch, in {@code [0, size())}
     * @return the best path's total log-potential
     */
    public double pathScore(int sequence) {
        checkSequence(sequence);
        requireDone(viterbiDone, "viterbi");
        return score[slotOf[sequence]];
    }

    private void checkSequence(int sequence) {
        if (sequence < 0 || sequence >= size) {
            throw new IllegalArgumentException("sequence must be in [0, " + size + "), was " + sequence);
        }
    }

    private void checkPosition(int sequence, int t) {
        checkSequence(sequence);
        int len = slotLength[slotOf[sequence]];
        if (t < 0 || t >= len) {
            throw new IllegalArgumentException("t must be in [0, " + len + ") for sequence " + sequence + ", was " + t);
        }
    }

    private void checkState(int state) {
        if (state < 0 || state >= states) {
            throw new IllegalArgumentException("state must be in [0, " + states + "), was " + state);
        }
    }

    private static void requireDone(boolean done, String step) {
        if (!done) {
            throw new IllegalStateException("run LinearChain." + step + " on this batch first");
        }
    }
}
