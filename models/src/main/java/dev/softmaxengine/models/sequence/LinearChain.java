package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.SoftmaxKernel;

import java.util.Arrays;

/**
 * Exact inference in a linear chain (HMM or linear-chain CRF) on a {@link SoftmaxKernel}, one
 * {@link ChainBatch} of {@code B} sequences at a time. Every step of every dynamic program is one
 * kernel call over the whole batch:
 * <ul>
 *   <li>forward: {@code alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + A[i, j]) + u_t[j]} is a
 *       {@code logSumExp} over the last axis of a {@code [B, K, K]} tensor;</li>
 *   <li>backward: the same with {@code A[i, j] + u_{t+1}[j] + beta_{t+1}[j]};</li>
 *   <li>state marginals: {@code softmax(alpha_t + beta_t)} over the {@code [B, K]} rows of a step;</li>
 *   <li>Viterbi: {@code argmax} over the last axis of the same {@code [B, K, K]} tensors.</li>
 * </ul>
 * Messages are float64: log Z of a long sequence sums hundreds of terms, and L-BFGS needs its
 * gradient far more accurate than float32 rounding.
 *
 * <p>Stateless apart from the kernel, so one instance serves any number of threads, each with its
 * own batch.
 */
public final class LinearChain {
    private final SoftmaxKernel kernel;

    public LinearChain(SoftmaxKernel kernel) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        this.kernel = kernel;
    }

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

    /** Forward messages and log Z of every sequence (0 for an empty one). */
    public void forward(ChainPotentials p, ChainBatch b) {
        checkStates(p, b);
        int len = b.length();
        if (len > 0) {
            int k = b.states();
            int size = b.size();
            double[] u = b.unary;
            double[] a = b.alpha;
            double[] tt = p.transposedTransitions();
            double[] start = p.starts();
            ChainBatch.Stage st = b.stage();
            double[] cube = st.cube;
            for (int i = 0; i < b.active(0) * k; i++) {
                a[i] = start[i % k] + u[i];
            }
            for (int t = 1; t < len; t++) {
                int n = b.active(t);
                int prev = (t - 1) * size * k;
                for (int s = 0; s < n; s++) {
                    int from = prev + s * k;
                    for (int j = 0; j < k; j++) {
                        int row = (s * k + j) * k;
                        int col = j * k;
                        for (int i = 0; i < k; i++) {
                            cube[row + i] = a[from + i] + tt[col + i];
                        }
                    }
                }
                kernel.logSumExp(st.cubeView, st.outView, -1, false);
                int cur = t * size * k;
                for (int i = 0; i < n * k; i++) {
                    a[cur + i] = st.out[i] + u[cur + i];
                }
            }
            closeChain(p, b, a, false);
        }
        Arrays.fill(b.logZ, len == 0 ? 0 : b.active(0), b.size(), 0.0);
        b.forwardDone = true;
    }

    /**
     * Adds the end scores to the last message of every non-empty sequence and reduces it: logsumexp
     * into log Z, or (for Viterbi) argmax into the last state and score.
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
                rows[s * k + j] = messages[last + j] + end[j];
            }
        }
        Arrays.fill(rows, n0 * k, size * k, 0.0);
        if (max) {
            kernel.argmax(st.rowsView[0], st.argmaxLast, -1);
            for (int s = 0; s < n0; s++) {
                b.score[s] = rows[s * k + st.argmaxLast[s]];
            }
        } else {
            kernel.logSumExp(st.rowsView[0], st.lseView[0], -1, false);
            System.arraycopy(st.lse[0], 0, b.logZ, 0, n0);
        }
    }

    /** Backward messages: {@code beta_t[i]} is the log-potential of every completion after {@code t} from {@code i}. */
    public void backward(ChainPotentials p, ChainBatch b) {
        checkStates(p, b);
        int len = b.length();
        if (len > 0) {
            int k = b.states();
            int size = b.size();
            double[] u = b.unary;
            double[] be = b.beta;
            double[] tr = p.transitions();
            double[] end = p.ends();
            double[] v = new double[k];
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
                        v[j] = u[at + j] + be[at + j];
                    }
                    for (int i = 0; i < k; i++) {
                        int row = (s * k + i) * k;
                        int col = i * k;
                        for (int j = 0; j < k; j++) {
                            cube[row + j] = tr[col + j] + v[j];
                        }
                    }
                }
                kernel.logSumExp(st.cubeView, st.outView, -1, false);
                System.arraycopy(st.out, 0, be, t * size * k, n * k);
            }
        }
        b.backwardDone = true;
    }

    /**
     * Posterior state marginals {@code P(y_t = j | x) = softmax_j(alpha_t[j] + beta_t[j])}, one
     * kernel call per step. Needs {@link #forward} and {@link #backward}. A sequence of probability
     * 0 (log Z = -inf) gets NaN marginals.
     */
    public void stateMarginals(ChainBatch b) {
        requireMessages(b);
        int k = b.states();
        int size = b.size();
        double[] a = b.alpha;
        double[] be = b.beta;
        double[] m = b.marginal;
        ChainBatch.Stage st = b.stage();
        for (int t = 0; t < b.length(); t++) {
            double[] rows = st.rows[0];
            int from = t * size * k;
            int live = b.active(t) * k;
            for (int i = 0; i < live; i++) {
                rows[i] = a[from + i] + be[from + i];
            }
            // Finished slots take part in the call; zeros keep them finite.
            Arrays.fill(rows, live, size * k, 0.0);
            kernel.softmax(st.rowsView[0], st.rowsView[0], -1);
            System.arraycopy(rows, 0, m, from, live);
        }
        b.marginalsDone = true;
    }

    /**
     * Adds the expected transition counts {@code sum_t P(y_{t-1} = i, y_t = j | x)} of every
     * sequence of the batch to {@code counts[i * K + j]}, each sequence weighted by
     * {@code weights[sequence]} (null: 1). Needs {@link #forward} and {@link #backward}; sequences of
     * probability 0 are skipped.
     *
     * <p>The pairwise marginal factors as {@code softmax(alpha_{t-1})_i * exp(A[i, j]) *
     * softmax(u_t + beta_t)_j * exp(lse(alpha_{t-1}) + lse(u_t + beta_t) - log Z)}, so the
     * exponentials are batched row-wise kernel calls ({@code [B, K]} per step) and each position
     * costs {@code K^2} multiply-adds rather than {@code K^2} exponentials. Every factor is bounded:
     * the last lies in {@code [exp(-max A), exp(-min A)]}.
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
        // rows[0] holds softmax(alpha_{t-1}) and lse[0] its logsumexp; rows[1] the same of u_t + beta_t.
        int alphaSide = 0;
        int betaSide = 1;
        rowSoftmax(st, alphaSide, a, null, 0, b.active(0) * k, size * k);
        for (int t = 1; t < len; t++) {
            int n = b.active(t);
            int from = t * size * k;
            rowSoftmax(st, betaSide, u, be, from, n * k, size * k);
            double[] sa = st.rows[alphaSide];
            double[] sb = st.rows[betaSide];
            double[] la = st.lse[alphaSide];
            double[] lb = st.lse[betaSide];
            for (int s = 0; s < n; s++) {
                if (z[s] == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                double w = Math.exp(la[s] + lb[s] - z[s]);
                if (weights != null) {
                    w *= weights[b.sequenceOf(s)];
                }
                for (int i = 0; i < k; i++) {
                    double wi = w * sa[s * k + i];
                    if (wi == 0) {
                        continue;
                    }
                    int row = i * k;
                    int col = s * k;
                    for (int j = 0; j < k; j++) {
                        c[row + j] += wi * sb[col + j];
                    }
                }
            }
            if (t + 1 < len) {
                rowSoftmax(st, alphaSide, a, null, from, n * k, size * k);
            }
        }
        double[] tr = p.transitions();
        for (int i = 0; i < k * k; i++) {
            counts[i] += c[i] * Math.exp(tr[i]);
        }
    }

    /** rows[which] = x (+ y) over {@code live} elements from {@code from}, zeros after; then its logsumexp and softmax. */
    private void rowSoftmax(ChainBatch.Stage st, int which, double[] x, double[] y, int from, int live, int total) {
        double[] rows = st.rows[which];
        if (y == null) {
            System.arraycopy(x, from, rows, 0, live);
        } else {
            for (int i = 0; i < live; i++) {
                rows[i] = x[from + i] + y[from + i];
            }
        }
        Arrays.fill(rows, live, total, 0.0);
        kernel.logSumExp(st.rowsView[which], st.lseView[which], -1, false);
        kernel.softmax(st.rowsView[which], st.rowsView[which], -1);
    }

    /**
     * The most probable state sequence of every sequence and its log-potential (max-product), with
     * kernel {@code argmax} over the last axis of {@code [B, K, K]}. Ties go to the lowest state.
     */
    public void viterbi(ChainPotentials p, ChainBatch b) {
        checkStates(p, b);
        int len = b.length();
        if (len > 0) {
            int k = b.states();
            int size = b.size();
            double[] u = b.unary;
            double[] d = b.delta;
            double[] tt = p.transposedTransitions();
            double[] start = p.starts();
            int[] bp = b.backpointer;
            ChainBatch.Stage st = b.stage();
            double[] cube = st.cube;
            int[] best = st.argmaxRows;
            for (int i = 0; i < b.active(0) * k; i++) {
                d[i] = start[i % k] + u[i];
            }
            for (int t = 1; t < len; t++) {
                int n = b.active(t);
                int prev = (t - 1) * size * k;
                for (int s = 0; s < n; s++) {
                    int from = prev + s * k;
                    for (int j = 0; j < k; j++) {
                        int row = (s * k + j) * k;
                        int col = j * k;
                        for (int i = 0; i < k; i++) {
                            cube[row + i] = d[from + i] + tt[col + i];
                        }
                    }
                }
                kernel.argmax(st.cubeView, best, -1);
                int cur = t * size * k;
                for (int r = 0; r < n * k; r++) {
                    int i = best[r];
                    d[cur + r] = cube[r * k + i] + u[cur + r];
                    bp[cur + r] = i;
                }
            }
            closeChain(p, b, d, true);
            for (int s = 0; s < b.active(0); s++) {
                int state = st.argmaxLast[s];
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
