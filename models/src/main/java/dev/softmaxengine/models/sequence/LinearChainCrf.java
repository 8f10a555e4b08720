package dev.softmaxengine.models.sequence;

import dev.softmaxengine.models.io.ModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A first-order linear-chain conditional random field:
 * {@code p(y | x) ∝ exp(start[y_0] + sum_t (sum_{a in attrs(x, t)} w[a, y_t] + A[y_{t-1}, y_t]) + end[y_T])}.
 * Attributes come from a {@link FeatureTemplate} and are dictionary-indexed; a state feature
 * {@code (a, y)} exists only if attribute {@code a} was seen with label {@code y} in training
 * (CRFsuite's default), kept as a compressed row per attribute so that scoring a token touches only
 * its attributes' few labels.
 *
 * <p>Weights are laid out {@code [state features | K * K transitions | K start | K end]}. Decoding
 * and marginals run batched on the kernel through {@link LinearChain}. Immutable.
 */
public final class LinearChainCrf {
    /** The {@link ModelFile} kind of a saved CRF. */
    public static final String KIND = "linear-chain-crf";

    private final FeatureTemplate template;
    private final String[] labels;
    private final Map<String, Integer> attributes;
    private final int[] featureStart;
    private final int[] featureLabel;
    private final double[] weights;
    private final ChainPotentials potentials;

    /** A sentence as attribute ids per position ({@code attrs[start[t] .. start[t + 1])}) and, for training, label ids. */
    record Encoded(int[] start, int[] attrs, int[] labels) {
        int length() {
            return start.length - 1;
        }
    }

    LinearChainCrf(FeatureTemplate template, String[] labels, Map<String, Integer> attributes, int[] featureStart,
                   int[] featureLabel, double[] weights) {
        this.template = template;
        this.labels = labels;
        this.attributes = attributes;
        this.featureStart = featureStart;
        this.featureLabel = featureLabel;
        this.weights = weights;
        this.potentials = potentials(labels.length, featureLabel.length, weights);
    }

    /** The position-independent part of {@code w}: transitions, start and end scores. */
    static ChainPotentials potentials(int k, int stateFeatures, double[] w) {
        int tr = stateFeatures;
        return new ChainPotentials(k, Arrays.copyOfRange(w, tr, tr + k * k),
                Arrays.copyOfRange(w, tr + k * k, tr + k * k + k), Arrays.copyOfRange(w, tr + k * k + k, tr + k * k + 2 * k));
    }

    /**
     * Saves the model: the template text, labels and attribute dictionary (in id order) as
     * attributes; the compressed feature rows and the weights as arrays.
     *
     * @param path the file to write, replaced when complete
     * @throws IOException when it cannot be written
     */
    public void save(Path path) throws IOException {
        String[] names = new String[attributes.size()];
        attributes.forEach((a, id) -> names[id] = a);
        ModelFile.builder(KIND)
                .attribute("template", template.toString())
                .attribute("labels", List.of(labels))
                .attribute("attributes", List.of(names))
                .ints("feature-start", featureStart, featureStart.length)
                .ints("feature-label", featureLabel, featureLabel.length)
                .doubles("weights", weights, weights.length)
                .build()
                .write(path);
    }

    /**
     * The model saved at {@code path}.
     *
     * @param path a model file of kind {@link #KIND}
     * @return the model
     * @throws IOException when the file cannot be read or is not a valid model file
     */
    public static LinearChainCrf load(Path path) throws IOException {
        return from(ModelFile.read(path));
    }

    /**
     * The model saved in {@code file}.
     *
     * @param file a model file of kind {@link #KIND}
     * @return the model
     * @throws IllegalArgumentException when the file is of another kind or its arrays do not fit
     */
    public static LinearChainCrf from(ModelFile file) {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        file.requireKind(KIND);
        FeatureTemplate template = FeatureTemplate.parse(file.string("template"));
        String[] labels = file.strings("labels").toArray(String[]::new);
        List<String> names = file.strings("attributes");
        int[] featureStart = file.ints("feature-start");
        int[] featureLabel = file.ints("feature-label");
        double[] weights = file.doubles("weights");
        int k = labels.length;
        int f = featureLabel.length;
        if (k == 0 || featureStart.length != names.size() + 1 || featureStart[0] != 0
                || featureStart[names.size()] != f || weights.length != (long) f + (long) k * k + 2L * k) {
            throw new IllegalArgumentException("file's " + k + " labels, " + names.size() + " attributes, "
                    + featureStart.length + " feature rows, " + f + " features and " + weights.length
                    + " weights do not fit together");
        }
        for (int a = 0; a < names.size(); a++) {
            if (featureStart[a] > featureStart[a + 1]) {
                throw new IllegalArgumentException("feature-start must be non-decreasing, was "
                        + featureStart[a] + " then " + featureStart[a + 1] + " at " + a);
            }
        }
        for (int label : featureLabel) {
            if (label < 0 || label >= k) {
                throw new IllegalArgumentException("feature-label must be in [0, " + k + "), was " + label);
            }
        }
        Map<String, Integer> attributes = new HashMap<>();
        for (String a : names) {
            if (attributes.putIfAbsent(a, attributes.size()) != null) {
                throw new IllegalArgumentException("attributes lists '" + a + "' twice");
            }
        }
        return new LinearChainCrf(template, labels, attributes, featureStart, featureLabel, weights);
    }

    /**
     * The feature template the model was trained with.
     *
     * @return the template, which also encodes new sentences
     */
    public FeatureTemplate template() {
        return template;
    }

    /**
     * The labels, by state.
     *
     * @return an unmodifiable list; a label's index is its state
     */
    public List<String> labels() {
        return List.of(labels);
    }

    /**
     * Number of distinct attributes the model knows.
     *
     * @return the size of the attribute dictionary
     */
    public int attributes() {
        return attributes.size();
    }

    /**
     * Number of weights: state features plus {@code K^2 + 2K} chain weights.
     *
     * @return the total weight count
     */
    public int parameters() {
        return weights.length;
    }

    /** Attribute ids of every position; attributes unseen in training are dropped. */
    static Encoded encode(FeatureTemplate template, Map<String, Integer> attributes, String[] words, String[] pos) {
        String[][] strings = template.extract(words, pos);
        int[] start = new int[words.length + 1];
        int[] ids = new int[words.length * template.size()];
        int n = 0;
        for (int t = 0; t < words.length; t++) {
            start[t] = n;
            for (String s : strings[t]) {
                Integer id = attributes.get(s);
                if (id != null) {
                    ids[n++] = id;
                }
            }
        }
        start[words.length] = n;
        return new Encoded(start, n == ids.length ? ids : Arrays.copyOf(ids, n), null);
    }

    /**
     * Resets {@code b} for the batch and writes every position's state scores
     * {@code u_t[y] = sum_{a in attrs(t)} w[a, y]} as its unary potentials.
     */
    static void score(ChainBatch b, int[] batch, List<Encoded> data, int[] featureStart, int[] featureLabel, double[] w) {
        int k = b.states();
        int[] lengths = new int[batch.length];
        for (int i = 0; i < batch.length; i++) {
            lengths[i] = data.get(batch[i]).length();
        }
        b.reset(lengths);
        double[] u = b.unary;
        for (int i = 0; i < batch.length; i++) {
            Encoded x = data.get(batch[i]);
            for (int t = 0; t < x.length(); t++) {
                int o = b.offset(i, t);
                Arrays.fill(u, o, o + k, 0.0);
                for (int p = x.start[t]; p < x.start[t + 1]; p++) {
                    int a = x.attrs[p];
                    for (int f = featureStart[a]; f < featureStart[a + 1]; f++) {
                        u[o + featureLabel[f]] += w[f];
                    }
                }
            }
        }
    }

    private List<Encoded> encodeAll(ChainInference inference, List<String[]> words, List<String[]> pos) {
        if (inference == null || words == null) {
            throw new IllegalArgumentException("inference and words must not be null");
        }
        if (pos != null && pos.size() != words.size()) {
            throw new IllegalArgumentException("words has " + words.size() + " sentences, pos " + pos.size());
        }
        if (template.needsPos() && pos == null) {
            throw new IllegalArgumentException("the model's template observes pos, so pos must not be null");
        }
        Encoded[] out = new Encoded[words.size()];
        int[] lengths = new int[out.length];
        for (int n = 0; n < out.length; n++) {
            if (words.get(n) == null) {
                throw new IllegalArgumentException("words[" + n + "] must not be null");
            }
            lengths[n] = words.get(n).length;
        }
        // Extraction is most of decoding's cost on the host: spread it over the same threads.
        inference.forEachBatch(lengths, () -> null, (ignored, batch) -> {
            for (int n : batch) {
                out[n] = encode(template, attributes, words.get(n), pos == null ? null : pos.get(n));
            }
        });
        return Arrays.asList(out);
    }

    /**
     * The most probable label sequence of every sentence (Viterbi).
     *
     * @param inference the batched forward-backward / Viterbi runner, on the engine's kernel
     * @param words the sentences, one array of tokens each
     * @param pos each sentence's part-of-speech tags, or null when the template reads none
     * @return one label array per sentence, as long as it
     */
    public List<String[]> tag(ChainInference inference, List<String[]> words, List<String[]> pos) {
        List<Encoded> data = encodeAll(inference, words, pos);
        String[][] out = new String[data.size()][];
        int k = labels.length;
        inference.forEachBatch(lengths(data), () -> new ChainBatch(k), (b, batch) -> {
            score(b, batch, data, featureStart, featureLabel, weights);
            inference.chain().viterbi(potentials, b);
            for (int i = 0; i < batch.length; i++) {
                int[] p = b.path(i);
                String[] named = new String[p.length];
                for (int t = 0; t < p.length; t++) {
                    named[t] = labels[p[t]];
                }
                out[batch[i]] = named;
            }
        });
        return new ArrayList<>(Arrays.asList(out));
    }

    /**
     * Posterior label marginals: {@code out[n][t * K + y] = P(y_t = y | x)} of sentence {@code n}.
     *
     * @param inference the batched forward-backward / Viterbi runner, on the engine's kernel
     * @param words the sentences, one array of tokens each
     * @param pos each sentence's part-of-speech tags, or null when the template reads none
     * @return per sentence, {@code length x K} probabilities, row-major
     */
    public double[][] marginals(ChainInference inference, List<String[]> words, List<String[]> pos) {
        List<Encoded> data = encodeAll(inference, words, pos);
        double[][] out = new double[data.size()][];
        int k = labels.length;
        LinearChain chain = inference.chain();
        inference.forEachBatch(lengths(data), () -> new ChainBatch(k), (b, batch) -> {
            score(b, batch, data, featureStart, featureLabel, weights);
            chain.forward(potentials, b);
            chain.backward(potentials, b);
            chain.stateMarginals(b);
            for (int i = 0; i < batch.length; i++) {
                int len = data.get(batch[i]).length();
                double[] m = new double[len * k];
                for (int t = 0; t < len; t++) {
                    System.arraycopy(b.marginal, b.offset(i, t), m, t * k, k);
                }
                out[batch[i]] = m;
            }
        });
        return out;
    }

    static int[] lengths(List<Encoded> data) {
        int[] l = new int[data.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = data.get(i).length();
        }
        return l;
    }
}
