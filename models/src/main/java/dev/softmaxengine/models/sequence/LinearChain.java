package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.SoftmaxKernel;

import java.util.Arrays;

/**
 * Exact inference in a linear chain (HMM or linear-chain CRF) on a {@link SoftmaxKernel}, one
 * {@link ChainBatch} of {@code B} sequences at a time. Every step of every dynamic program is one
 * kernel call over the whole batch:
 * <ul>
 *   <li>forward: {@code alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + A[i, j]) + u_t[j]} is a
 *       {@code logSumExp} over axis 1 of the {@code [B, K(i), K(j)]} tensor;</li>
 *   <li>backward: the same over {@code j} of {@code A[i, j] + u_{t+1}[j] + beta_{t+1}[j]};</li>
 *   <li>state marginals: {@code softmax(alpha_t + beta_t)} over the states of the step's {@code [K, B]} block;</li>
 *   <li>Viterbi: {@code argmax} over axis 1 of the forward tensor.</li>
 * </ul>
 * Messages are float64: log Z of a long sequence sums hundreds of terms, and L-BFGS needs its
 * gradient far more accurate than float32 rounding.
 *
 * <p>Stateless apart from the kernel, so one instance serves any number of threads, each with its
 * own batch.
 */
public final class LinearChain {
    private final SoftmaxKernel kernel;

    /**
     * Inference whose every normalization runs on {@code kernel}.
     *
     * @param kernel the kernel; not null, not owned
     * @throws IllegalArgumentException when {@code kernel} is null
     */
    public LinearChain(SoftmaxKernel kernel) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        this.kernel = kernel;
    }

    /**
     * The kernel this inference runs on.
     *
     * @return the kernel passed at construction
     */
    public SoftmaxKernel kernel() {
        return kernel;
    }

    private static void checkStates(ChainPotentials p, ChainBatch b) {
        if (p == null) {
            throw new IllegalArgumentException("potentials must not be null");
        }
        if (b == null) {
            throw new IllegalArgumentException("batch must not be null");
        }
        if (p.states() != b.states()) {
            throw new IllegalArgumentException("potentials have " + p.states() + " states, batch has " + b.states());
        }
    }

    /** {@code cube[s, i, j] = messages[t, s, i] + A[i, j]} for the live slots: the forward and Viterbi operand. */
    private static void fillForward(ChainBatch b, double[] messages, int t, int live, double[] tr, double[] cube) {
        int k = b.states();
        int at = t * b.size() * k;
        for (int s = 0; s < live; s++) {
            for (int i = 0; i < k; i++) {
                double m = messages[at + s * k + i];
                int row = (s * k + i) * k;
                int col = i * k;
                for (int j = 0; j < k; j++) {
                    cube[row + j] = m + tr[col + j];
                }
            }
        }
    }

    /**
     * Forward messages and log Z of every sequence (0 for an empty one).
     *
     * @param p the chain's transition, start and end log-potentials
     * @param b the batch, laid out and its unary potentials set
     */
    public void forward(ChainPotentials p, ChainBatch b) {
        checkStates(p, b);
        int len = b.length();
        if (len > 0) {
            int k = b.states();
            int size = b.size();
            double[] u = b.unary;
            double[] a = b.alpha;
            double[] start = p.starts();
            ChainBatch.Stage st = b.stage();
            for (int i = 0; i < b.active(0) * k; i++) {
                a[i] = start[i % k] + u[i];
            }
            for (int t = 1; t < len; t++) {
                int n = b.active(t);
                fillForward(b, a, t - 1, n, p.transitions(), st.cube);
                kernel.logSumExp(st.cubeView, st.cubeOutView, 1, false);
                int cur = t * size * k;
                for (int i = 0; i < n * k; i++) {
                    a[cur + i] = st.cubeOut[i] + u[cur + i];
                }
            }
            closeChain(p, b, a, false);
        }
        Arrays.fill(b.logZ, len == 0 ? 0 : b.active(0), b.size(), 0.0);
        b.forwardDone = true;
    }

    /**
     * Adds the end scores to the last message of every non-empty sequence and reduces over the
     * states: logsumexp into log Z, or (for Viterbi) argmax into the last state and its score.
     */
    private void closeChain(ChainPotentials p, ChainBatch b, double[] messages, boolean max) {
        int k = b.states();
        int size = b.size();
        int n0 = b.active(0);
        double[] end = p.ends();
        ChainBatch.Stage st = b.stage();
        double[] rows = st.rows[0];
        for (int s = 0; s < n0; s++) {
            int last = b.slotOffset(s, b.slotLength(s) - 1);
            for (int j = 0; j < k; j++) {
                rows[j * size + s] = messages[last + j] + end[j];
            }
        }
        zeroColumns(rows, k, size, n0);
        if (max) {
            kernel.argmax(st.rowsView[0], st.argmaxRows, 0);
            for (int s = 0; s < n0; s++) {
                b.score[s] = rows[st.argmaxRows[s] * size + s];
            }
        } else {
            kernel.logSumExp(st.rowsView[0], st.lseView[0], 0, false);
            System.arraycopy(st.lse[0], 0, b.logZ, 0, n0);
        }
    }

    /** Zeros columns {@code live .. size - 1} of a {@code [K, size]} block: finished slots stay finite. */
    private static void zeroColumns(double[] rows, int k, int size, int live) {
        if (live < size) {
            for (int j = 0; j < k; j++) {
                Arrays.fill(rows, j * size + live, (j + 1) * size, 0.0);
            }
        }
    }

    /**
     * Backward messages: {@code beta_t[i]} is the log-potential of every completion after {@code t} from {@code i}.
     *
     * @param p the chain's transition, start and end log-potentials
     * @param b the batch, laid out and its unary potentials set
     */
    public void backward(ChainPotentials p, ChainBatch b) {
        checkStates(p, b);
        int len = b.length();
        if (len > 0) {
            int k = b.states();
            int size = b.size();
            double[] u = b.unary;
            double[] be = b.beta;
            double[] tt = p.transposedTransitions();
            double[] end = p.ends();
            ChainBatch.Stage st = b.stage();
            double[] cube = st.cube;
            for (int s = 0; s < b.active(0); s++) {
                System.arraycopy(end, 0, be, b.slotOffset(s, b.slotLength(s) - 1), k);
            }
            for (int t = len - 2; t >= 0; t--) {
                // Slots n .. active(t) - 1 end at t; their beta_t are the end scores set above.
                int n = b.active(t + 1);
                int next = (t + 1) * size * k;
                for (int s = 0; s < n; s++) {
                    int at = next + s * k;
                    for (int j = 0; j < k; j++) {
                        // cube[s, j, i] = A[i, j] + u_{t+1}[j] + beta_{t+1}[j], reduced over j (axis 1).
                        double v = u[at + j] + be[at + j];
                        int row = (s * k + j) * k;
                        int col = j * k;
                        for (int i = 0; i < k; i++) {
                            cube[row + i] = tt[col + i] + v;
                        }
                    }
                }
                kernel.logSumExp(st.cubeView, st.cubeOutView, 1, false);
                System.arraycopy(st.cubeOut, 0, be, t * size * k, n * k);
            }
        }
        b.backwardDone = true;
    }

    /**
     * Posterior state marginals {@code P(y_t = j | x) = softmax_j(alpha_t[j] + beta_t[j])}, one
     * kernel call per step. Needs {@link #forward} and {@link #backward}. A sequence of probability
     * 0 (log Z = -inf) gets NaN marginals.
     *
     * @param b the batch, after {@link #forward} and {@link #backward}
     */
    public void stateMarginals(ChainBatch b) {
        requireMessages(b);
        int k = b.states();
        int size = b.size();
        double[] a = b.alpha;
        double[] be = b.beta;
        double[] m = b.marginal;
        ChainBatch.Stage st = b.stage();
        double[] rows = st.rows[0];
        for (int t = 0; t < b.length(); t++) {
            int from = t * size * k;
            int live = b.active(t);
            transpose(a, be, from, k, size, live, rows);
            kernel.softmax(st.rowsView[0], st.rowsView[0], 0);
            for (int s = 0; s < live; s++) {
                for (int j = 0; j < k; j++) {
                    m[from + s * k + j] = rows[j * size + s];
                }
            }
        }
        b.marginalsDone = true;
    }

    /** {@code rows[j, s] = x[from + s * K + j] (+ y[...])} for the live slots, zeros for the others. */
    private static void transpose(double[] x, double[] y, int from, int k, int size, int live, double[] rows) {
        for (int s = 0; s < live; s++) {
            int at = from + s * k;
            for (int j = 0; j < k; j++) {
                rows[j * size + s] = y == null ? x[at + j] : x[at + j] + y[at + j];
            }
        }
        zeroColumns(rows, k, size, live);
    }

    /**
     * Adds the expected transition counts {@code sum_t P(y_{t-1} = i, y_t = j | x)} of every
     * sequence of the batch to {@code counts[i * K + j]}, each sequence weighted by
     * {@code weights[sequence]} (null: 1). Needs {@link #forward} and {@link #backward}; sequences of
     * probability 0 are skipped.
     *
     * <p>The pairwise marginal factors as {@code softmax(alpha_{t-1})_i * exp(A[i, j]) *
     * softmax(u_t + beta_t)_j * exp(lse(alpha_{t-1}) + lse(u_t + beta_t) - log Z)}, so the
     * exponentials are batched kernel calls over each step's {@code [K, B]} blocks and each position
     * costs {@code K^2} multiply-adds rather than {@code K^2} exponentials. Every factor is bounded:
     * the last lies in {@code [exp(-max A), exp(-min A)]}.
     *
     * @param p the chain's transition, start and end log-potentials
     * @param b the batch, laid out and its unary potentials set
     * @param counts {@code K x K} sums, row-major, added to
     * @param weights one weight per sequence of the batch, or null for 1 each
     */
    public void expectedTransitions(ChainPotentials p, ChainBatch b, double[] counts, double[] weights) {
        checkStates(p, b);
        requireMessages(b);
        int k = b.states();
        int size = b.size();
        int len = b.length();
        if (counts == null || counts.length != k * k) {
            throw new IllegalArgumentException("counts must have " + k * k + " elements");
        }
        if (weights != null && weights.length != size) {
            throw new IllegalArgumentException("weights has " + weights.length + " elements, the batch has "
                    + size + " sequences");
        }
        if (len < 2) {
            return;
        }
        double[] u = b.unary;
        double[] a = b.alpha;
        double[] be = b.beta;
        double[] z = b.logZ;
        double[] c = b.pairCounts;
        Arrays.fill(c, 0.0);
        ChainBatch.Stage st = b.stage();
        double[] sa = st.rows[0];
        double[] sb = st.rows[1];
        double[] la = st.lse[0];
        double[] lb = st.lse[1];
        double[] col = new double[k];
        // rows[0] holds softmax over states of alpha_{t-1}, rows[1] that of u_t + beta_t.
        rowSoftmax(st, 0, a, null, 0, k, size, b.active(0));
        for (int t = 1; t < len; t++) {
            int n = b.active(t);
            int from = t * size * k;
            rowSoftmax(st, 1, u, be, from, k, size, n);
            for (int s = 0; s < n; s++) {
                if (z[s] == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                double w = Math.exp(la[s] + lb[s] - z[s]);
                if (weights != null) {
                    w *= weights[b.sequenceOf(s)];
                }
                for (int j = 0; j < k; j++) {
                    col[j] = sb[j * size + s];
                }
                for (int i = 0; i < k; i++) {
                    double wi = w * sa[i * size + s];
                    if (wi == 0) {
                        continue;
                    }
                    int row = i * k;
                    for (int j = 0; j < k; j++) {
                        c[row + j] += wi * col[j];
                    }
                }
            }
            if (t + 1 < len) {
                rowSoftmax(st, 0, a, null, from, k, size, n);
            }
        }
        double[] tr = p.transitions();
        for (int i = 0; i < k * k; i++) {
            counts[i] += c[i] * Math.exp(tr[i]);
        }
    }

    /** Block {@code which} = x (+ y) of a step as {@code [K, B]}, then its logsumexp and softmax over the states. */
    private void rowSoftmax(ChainBatch.Stage st, int which, double[] x, double[] y, int from, int k, int size, int live) {
        transpose(x, y, from, k, size, live, st.rows[which]);
        kernel.logSumExp(st.rowsView[which], st.lseView[which], 0, false);
        kernel.softmax(st.rowsView[which], st.rowsView[which], 0);
    }

    /**
     * The most probable state sequence of every sequence and its log-potential (max-product), with
     * kernel {@code argmax} over axis 1 of the forward tensor. Ties go to the lowest state.
     *
     * @param p the chain's transition, start and end log-potentials
     * @param b the batch, laid out and its unary potentials set
     */
    public void viterbi(ChainPotentials p, ChainBatch b) {
        checkStates(p, b);
        int len = b.length();
        if (len > 0) {
            int k = b.states();
            int size = b.size();
            double[] u = b.unary;
            double[] d = b.delta;
            double[] start = p.starts();
            int[] bp = b.backpointer;
            ChainBatch.Stage st = b.stage();
            double[] cube = st.cube;
            int[] best = st.argmaxCube;
            for (int i = 0; i < b.active(0) * k; i++) {
                d[i] = start[i % k] + u[i];
            }
            for (int t = 1; t < len; t++) {
                int n = b.active(t);
                fillForward(b, d, t - 1, n, p.transitions(), cube);
                kernel.argmax(st.cubeView, best, 1);
                int cur = t * size * k;
                for (int s = 0; s < n; s++) {
                    for (int j = 0; j < k; j++) {
                        int r = s * k + j;
                        int i = best[r];
                        d[cur + r] = cube[(s * k + i) * k + j] + u[cur + r];
                        bp[cur + r] = i;
                    }
                }
            }
            closeChain(p, b, d, true);
            for (int s = 0; s < b.active(0); s++) {
                int state = st.argmaxRows[s];
                for (int t = b.slotLength(s) - 1; t >= 0; t--) {
                    b.path[t * size + s] = state;
                    if (t > 0) {
                        state = bp[(t * size + s) * k + state];
                    }
                }
            }
        }
        Arrays.fill(b.score, len == 0 ? 0 : b.active(0), b.size(), 0.0);
        b.viterbiDone = true;
    }

    private static void requireMessages(ChainBatch b) {
        if (b == null) {
            throw new IllegalArgumentException("batch must not be null");
        }
        if (!b.forwardDone || !b.backwardDone) {
            throw new IllegalStateException("run forward and backward on this batch first");
        }
    }
}
