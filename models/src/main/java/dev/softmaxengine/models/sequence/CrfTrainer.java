package dev.softmaxengine.models.sequence;

import dev.softmaxengine.models.optim.DifferentiableFunction;
import dev.softmaxengine.models.optim.Lbfgs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link LinearChainCrf} by L-BFGS on the L2-regularized conditional log-likelihood
 * {@code f(w) = sum_n (log Z(x_n) - w . phi(x_n, y_n)) + (l2 / 2) |w|^2}, whose gradient is the
 * expected feature counts (forward-backward marginals) minus the empirical ones plus {@code l2 w}.
 * Each evaluation runs the batched chain programs over all sentences on the inference's threads.
 */
public final class CrfTrainer {
    private CrfTrainer() {
    }

    /**
     * Training settings.
     *
     * @param l2                 the Gaussian prior's precision: {@code 1 / sigma^2}
     * @param maxIterations      L-BFGS iterations at most
     * @param tolerance          L-BFGS's relative gradient and decrease tolerance
     * @param minAttributeCount  attributes seen fewer times in training are dropped
     */
    public record Options(double l2, int maxIterations, double tolerance, int minAttributeCount) {
        /**
         * Settings, checked.
         *
         * @param l2 finite and {@code >= 0}
         * @param maxIterations at least 1
         * @param tolerance {@code >= 0}
         * @param minAttributeCount at least 1
         * @throws IllegalArgumentException for a value out of range
         */
        public Options {
            if (!(l2 >= 0) || Double.isInfinite(l2)) {
                throw new IllegalArgumentException("l2 must be finite and >= 0, was " + l2);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("maxIterations must be >= 1, was " + maxIterations);
            }
            if (!(tolerance >= 0)) {
                throw new IllegalArgumentException("tolerance must be >= 0, was " + tolerance);
            }
            if (minAttributeCount < 1) {
                throw new IllegalArgumentException("minAttributeCount must be >= 1, was " + minAttributeCount);
            }
        }

        /**
         * l2 = 1, 100 iterations (CoNLL-2000 dev F1 flat after 80), tolerance 1e-7, every attribute kept.
         *
         * @return the default settings
         */
        public static Options defaults() {
            return new Options(1.0, 100, 1e-7, 1);
        }
    }

    /**
     * The model and how the optimization went.
     *
     * @param model the trained CRF
     * @param optimization the L-BFGS run
     * @param sentences training sentences
     * @param tokens training tokens
     */
    public record Result(LinearChainCrf model, Lbfgs.Result optimization, int sentences, long tokens) {
    }

    /** Attributes and features indexed from training data, with the data encoded. */
    static final class Index {
        final String[] labels;
        final Map<String, Integer> attributes;
        final int[] featureStart;
        final int[] featureLabel;
        final List<LinearChainCrf.Encoded> data;

        Index(String[] labels, Map<String, Integer> attributes, int[] featureStart, int[] featureLabel,
              List<LinearChainCrf.Encoded> data) {
            this.labels = labels;
            this.attributes = attributes;
            this.featureStart = featureStart;
            this.featureLabel = featureLabel;
            this.data = data;
        }

        int states() {
            return labels.length;
        }

        int parameters() {
            int k = labels.length;
            return featureLabel.length + k * k + 2 * k;
        }
    }

    /** Builds the attribute dictionary, the (attribute, label) features seen in training, and the encoded data. */
    static Index index(FeatureTemplate template, List<String[]> words, List<String[]> pos, List<String[]> labels,
                       int minAttributeCount) {
        if (template == null || words == null || labels == null) {
            throw new IllegalArgumentException("template, words and labels must not be null");
        }
        if (words.size() != labels.size() || (pos != null && pos.size() != words.size())) {
            throw new IllegalArgumentException("words, pos and labels must hold the same number of sentences, have "
                    + words.size() + ", " + (pos == null ? "null" : pos.size()) + " and " + labels.size());
        }
        Map<String, Integer> labelIndex = new LinkedHashMap<>();
        Map<String, Integer> provisional = new HashMap<>();
        int[] counts = new int[1 << 16];
        List<int[]> tokenAttrs = new ArrayList<>();
        List<int[]> tokenStart = new ArrayList<>();
        List<int[]> labelIds = new ArrayList<>();
        for (int n = 0; n < words.size(); n++) {
            String[] w = words.get(n);
            String[] y = labels.get(n);
            if (w == null || y == null || y.length != w.length) {
                throw new IllegalArgumentException("sentence " + n + ": words and labels must be non-null and of equal length");
            }
            String[][] strings = template.extract(w, pos == null ? null : pos.get(n));
            int[] start = new int[w.length + 1];
            int[] ids = new int[w.length * template.size()];
            int[] ys = new int[w.length];
            int m = 0;
            for (int t = 0; t < w.length; t++) {
                start[t] = m;
                ys[t] = labelIndex.computeIfAbsent(y[t], s -> labelIndex.size());
                for (String s : strings[t]) {
                    Integer id = provisional.get(s);
                    if (id == null) {
                        id = provisional.size();
                        provisional.put(s, id);
                        if (id == counts.length) {
                            counts = Arrays.copyOf(counts, 2 * id);
                        }
                    }
                    counts[id]++;
                    ids[m++] = id;
                }
            }
            start[w.length] = m;
            tokenStart.add(start);
            tokenAttrs.add(ids);
            labelIds.add(ys);
        }
        int k = labelIndex.size();
        if (k == 0) {
            throw new IllegalArgumentException("the training data has no tokens");
        }
        // Keep attributes seen often enough, the most frequent first: their weights and gradient
        // entries, touched by almost every token, then share a few cache lines.
        int[] remap = new int[provisional.size()];
        int[] freq = counts;
        Integer[] order = new Integer[remap.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> freq[x] != freq[y] ? Integer.compare(freq[y], freq[x]) : Integer.compare(x, y));
        Arrays.fill(remap, -1);
        int kept = 0;
        for (Integer id : order) {
            if (freq[id] >= minAttributeCount) {
                remap[id] = kept++;
            }
        }
        Map<String, Integer> attributes = new HashMap<>(kept * 2);
        for (Map.Entry<String, Integer> e : provisional.entrySet()) {
            int r = remap[e.getValue()];
            if (r >= 0) {
                attributes.put(e.getKey(), r);
            }
        }
        BitSet seen = new BitSet(kept * k);
        List<LinearChainCrf.Encoded> data = new ArrayList<>(words.size());
        for (int n = 0; n < words.size(); n++) {
            int[] start = tokenStart.get(n);
            int[] ids = tokenAttrs.get(n);
            int[] ys = labelIds.get(n);
            int m = 0;
            int[] newStart = new int[start.length];
            for (int t = 0; t < ys.length; t++) {
                newStart[t] = m;
                for (int p = start[t]; p < start[t + 1]; p++) {
                    int r = remap[ids[p]];
                    if (r >= 0) {
                        ids[m++] = r;
                        seen.set(r * k + ys[t]);
                    }
                }
            }
            newStart[ys.length] = m;
            data.add(new LinearChainCrf.Encoded(newStart, Arrays.copyOf(ids, m), ys));
        }
        int[] featureStart = new int[kept + 1];
        int[] featureLabel = new int[seen.cardinality()];
        int f = 0;
        for (int a = 0; a < kept; a++) {
            featureStart[a] = f;
            for (int y = seen.nextSetBit(a * k); y >= 0 && y < (a + 1) * k; y = seen.nextSetBit(y + 1)) {
                featureLabel[f++] = y - a * k;
            }
        }
        featureStart[kept] = f;
        return new Index(labelIndex.keySet().toArray(String[]::new), attributes, featureStart, featureLabel, data);
    }

    /**
     * Trains with L-BFGS from zero weights; {@code listener} sees every iteration (may be null).
     *
     * @param inference the batched forward-backward runner, on the engine's kernel
     * @param template the feature template that encodes each token
     * @param words the training sentences, one array of tokens each
     * @param pos each sentence's part-of-speech tags, or null when the template reads none
     * @param labels each sentence's gold labels
     * @param options the prior and the optimizer's limits
     * @param listener called after each iteration; null for none
     * @return the model and its optimization
     * @throws IllegalArgumentException when an argument is null or the sentences and labels disagree
     */
    public static Result train(ChainInference inference, FeatureTemplate template, List<String[]> words,
                               List<String[]> pos, List<String[]> labels, Options options, Lbfgs.Listener listener) {
        if (inference == null || options == null) {
            throw new IllegalArgumentException("inference and options must not be null");
        }
        Index index = index(template, words, pos, labels, options.minAttributeCount());
        Objective objective = new Objective(inference, index, options.l2());
        Lbfgs lbfgs = new Lbfgs().maxIterations(options.maxIterations()).tolerance(options.tolerance());
        if (listener != null) {
            lbfgs.listener(listener);
        }
        Lbfgs.Result r = lbfgs.minimize(objective, new double[index.parameters()]);
        LinearChainCrf model = new LinearChainCrf(template, index.labels, index.attributes, index.featureStart,
                index.featureLabel, r.x());
        long tokens = 0;
        for (LinearChainCrf.Encoded e : index.data) {
            tokens += e.length();
        }
        return new Result(model, r, index.data.size(), tokens);
    }

    /**
     * The negative L2-regularized conditional log-likelihood and its gradient. Per-thread
     * workspaces (batch, gradient) are kept across evaluations and summed in thread order.
     */
    static final class Objective implements DifferentiableFunction {
        private final ChainInference inference;
        private final Index index;
        private final double l2;
        private final double[] empirical;
        private final int[] lengths;
        private final List<Workspace> workspaces = new ArrayList<>();

        private static final class Workspace {
            final ChainBatch batch;
            final double[] gradient;
            final double[] transitions;
            double logZ;

            Workspace(int states, int parameters) {
                batch = new ChainBatch(states);
                gradient = new double[parameters];
                transitions = new double[states * states];
            }
        }

        Objective(ChainInference inference, Index index, double l2) {
            this.inference = inference;
            this.index = index;
            this.l2 = l2;
            this.lengths = LinearChainCrf.lengths(index.data);
            this.empirical = empiricalCounts(index);
        }

        private static double[] empiricalCounts(Index ix) {
            int k = ix.states();
            int tr = ix.featureLabel.length;
            double[] e = new double[ix.parameters()];
            for (LinearChainCrf.Encoded x : ix.data) {
                int len = x.length();
                for (int t = 0; t < len; t++) {
                    int y = x.labels()[t];
                    for (int p = x.start()[t]; p < x.start()[t + 1]; p++) {
                        int a = x.attrs()[p];
                        for (int f = ix.featureStart[a]; f < ix.featureStart[a + 1]; f++) {
                            if (ix.featureLabel[f] == y) {
                                e[f]++;
                                break;
                            }
                        }
                    }
                    if (t > 0) {
                        e[tr + x.labels()[t - 1] * k + y]++;
                    }
                }
                if (len > 0) {
                    e[tr + k * k + x.labels()[0]]++;
                    e[tr + k * k + k + x.labels()[len - 1]]++;
                }
            }
            return e;
        }

        @Override
        public double valueAndGradient(double[] w, double[] gradient) {
            int k = index.states();
            int tr = index.featureLabel.length;
            int[] fs = index.featureStart;
            int[] fl = index.featureLabel;
            ChainPotentials p = LinearChainCrf.potentials(k, tr, w);
            LinearChain chain = inference.chain();
            int[] next = {0};
            List<Workspace> parts = inference.forEachBatch(lengths, () -> workspace(next[0]++), (ws, batch) -> {
                ChainBatch b = ws.batch;
                LinearChainCrf.score(b, batch, index.data, fs, fl, w);
                chain.forward(p, b);
                chain.backward(p, b);
                chain.stateMarginals(b);
                chain.expectedTransitions(p, b, ws.transitions, null);
                double[] g = ws.gradient;
                double[] m = b.marginal;
                for (int i = 0; i < batch.length; i++) {
                    LinearChainCrf.Encoded x = index.data.get(batch[i]);
                    int len = x.length();
                    if (len == 0) {
                        continue;
                    }
                    ws.logZ += b.logPartition(i);
                    for (int t = 0; t < len; t++) {
                        int o = b.offset(i, t);
                        for (int q = x.start()[t]; q < x.start()[t + 1]; q++) {
                            int a = x.attrs()[q];
                            for (int f = fs[a]; f < fs[a + 1]; f++) {
                                g[f] += m[o + fl[f]];
                            }
                        }
                    }
                    int first = b.offset(i, 0);
                    int last = b.offset(i, len - 1);
                    for (int y = 0; y < k; y++) {
                        g[tr + k * k + y] += m[first + y];
                        g[tr + k * k + k + y] += m[last + y];
                    }
                }
            });
            double value = 0;
            Arrays.fill(gradient, 0.0);
            for (Workspace ws : parts) {
                value += ws.logZ;
                double[] g = ws.gradient;
                for (int i = 0; i < gradient.length; i++) {
                    gradient[i] += g[i];
                }
                for (int i = 0; i < k * k; i++) {
                    gradient[tr + i] += ws.transitions[i];
                }
            }
            for (int i = 0; i < gradient.length; i++) {
                value += w[i] * (0.5 * l2 * w[i] - empirical[i]);
                gradient[i] += l2 * w[i] - empirical[i];
            }
            return value;
        }

        /** The {@code i}-th thread's workspace, cleared; made on first use. */
        private Workspace workspace(int i) {
            while (workspaces.size() <= i) {
                workspaces.add(new Workspace(index.states(), index.parameters()));
            }
            Workspace ws = workspaces.get(i);
            Arrays.fill(ws.gradient, 0.0);
            Arrays.fill(ws.transitions, 0.0);
            ws.logZ = 0;
            return ws;
        }
    }
}
