package dev.softmaxengine.models.sequence;

import dev.softmaxengine.models.io.ModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A bigram HMM part-of-speech tagger over an open vocabulary, trained by counting. Transitions
 * include a stop state and are smoothed towards the tag unigram distribution. Emissions use the
 * Bayes inversion {@code P(w | t) ∝ P(t | w) / P(t)} (the factor P(w) is the same for every tag of
 * a token, so decoding does not need it):
 * <ul>
 *   <li>a known word has {@code P(t | w) = (c(w, t) + λ P_suffix(t | w)) / (c(w) + λ)}, its counts
 *       smoothed towards the suffix model so that rare words may take tags not seen with them;</li>
 *   <li>an unknown word has {@code P(t | w) = P_suffix(t | w)} from a TnT-style suffix model
 *       ({@link SuffixTagModel}) split by orthographic class; a capitalized sentence-initial word
 *       whose lower-case form is known is looked up in lower case.</li>
 * </ul>
 * Decoding is batched Viterbi on the kernel. Immutable.
 */
public final class HmmTagger {
    /** The {@link ModelFile} kind of a saved tagger. */
    public static final String KIND = "hmm-tagger";

    /**
     * Training settings (TnT's, with a suffix model for unknown words).
     *
     * @param transitionSmoothing pseudo-count mass μ of the unigram prior on every transition row
     * @param lexicalSmoothing    weight λ of the suffix model in a known word's tag distribution
     * @param rareWordMaxCount    training words seen at most this often teach the suffix model
     * @param maxSuffixLength     longest suffix the unknown-word model looks at
     */
    public record Options(double transitionSmoothing, double lexicalSmoothing, int rareWordMaxCount,
                          int maxSuffixLength) {
        /**
         * Settings, checked.
         *
         * @param transitionSmoothing finite and {@code > 0}
         * @param lexicalSmoothing finite and {@code >= 0}
         * @param rareWordMaxCount at least 1
         * @param maxSuffixLength at least 0
         * @throws IllegalArgumentException for a value out of range
         */
        public Options {
            if (!(transitionSmoothing > 0) || Double.isInfinite(transitionSmoothing)) {
                throw new IllegalArgumentException("transitionSmoothing must be finite and > 0, was " + transitionSmoothing);
            }
            if (!(lexicalSmoothing >= 0) || Double.isInfinite(lexicalSmoothing)) {
                throw new IllegalArgumentException("lexicalSmoothing must be finite and >= 0, was " + lexicalSmoothing);
            }
            if (rareWordMaxCount < 1) {
                throw new IllegalArgumentException("rareWordMaxCount must be >= 1, was " + rareWordMaxCount);
            }
            if (maxSuffixLength < 0) {
                throw new IllegalArgumentException("maxSuffixLength must be >= 0, was " + maxSuffixLength);
            }
        }

        /**
         * μ = 1, λ = 0.1 and TnT's rare-word and suffix limits of 10.
         *
         * @return the default settings
         */
        public static Options defaults() {
            return new Options(1.0, 0.1, 10, 10);
        }
    }

    /**
     * Token accuracy on words seen in training and on the others.
     *
     * @param knownCorrect tokens of training words tagged right
     * @param knownTotal tokens of training words
     * @param unknownCorrect tokens of other words tagged right
     * @param unknownTotal tokens of other words
     */
    public record Accuracy(long knownCorrect, long knownTotal, long unknownCorrect, long unknownTotal) {
        /**
         * Accuracy over every token.
         *
         * @return in [0, 1]; NaN for no tokens
         */
        public double overall() {
            return ratio(knownCorrect + unknownCorrect, knownTotal + unknownTotal);
        }

        /**
         * Accuracy on tokens of words seen in training.
         *
         * @return in [0, 1]; NaN for none
         */
        public double known() {
            return ratio(knownCorrect, knownTotal);
        }

        /**
         * Accuracy on tokens of words not seen in training.
         *
         * @return in [0, 1]; NaN for none
         */
        public double unknown() {
            return ratio(unknownCorrect, unknownTotal);
        }

        private static double ratio(long a, long b) {
            return b == 0 ? Double.NaN : (double) a / b;
        }
    }

    private final String[] tags;
    private final Map<String, Integer> vocabulary;
    /** {@code [V, K]} log P(t | w) - log P(t) of every known word. */
    private final double[] lexicon;
    private final double[] logPrior;
    private final SuffixTagModel suffixes;
    private final ChainPotentials potentials;

    private HmmTagger(String[] tags, Map<String, Integer> vocabulary, double[] lexicon, double[] logPrior,
                      SuffixTagModel suffixes, ChainPotentials potentials) {
        this.tags = tags;
        this.vocabulary = vocabulary;
        this.lexicon = lexicon;
        this.logPrior = logPrior;
        this.suffixes = suffixes;
        this.potentials = potentials;
    }

    /**
     * Trains on sentences of words and their gold tags.
     *
     * @param words the training sentences, one array of tokens each
     * @param goldTags each sentence's tags, as long as its words
     * @param options the smoothing and unknown-word settings
     * @return the tagger
     * @throws IllegalArgumentException when a sentence and its tags differ in length
     */
    public static HmmTagger train(List<String[]> words, List<String[]> goldTags, Options options) {
        if (words == null || goldTags == null || options == null) {
            throw new IllegalArgumentException("words, goldTags and options must not be null");
        }
        if (words.size() != goldTags.size()) {
            throw new IllegalArgumentException("words has " + words.size() + " sentences, goldTags " + goldTags.size());
        }
        Map<String, Integer> tagIndex = new LinkedHashMap<>();
        Map<String, Integer> vocabulary = new HashMap<>();
        Map<String, Integer> frequency = new HashMap<>();
        String[][] ws = new String[words.size()][];
        int[][] ts = new int[words.size()][];
        for (int n = 0; n < ws.length; n++) {
            ws[n] = words.get(n);
            String[] g = goldTags.get(n);
            if (ws[n] == null || g == null || g.length != ws[n].length) {
                throw new IllegalArgumentException("sentence " + n + ": words and goldTags must be non-null and of equal length");
            }
            ts[n] = new int[g.length];
            for (int t = 0; t < g.length; t++) {
                ts[n][t] = tagIndex.computeIfAbsent(g[t], x -> tagIndex.size());
                vocabulary.computeIfAbsent(ws[n][t], x -> vocabulary.size());
                frequency.merge(ws[n][t], 1, Integer::sum);
            }
        }
        int k = tagIndex.size();
        if (k == 0) {
            throw new IllegalArgumentException("words must contain at least one token");
        }
        int v = vocabulary.size();
        // Counts: start, transitions with a stop column (index k), emissions, tag unigrams.
        double[] start = new double[k];
        double[] trans = new double[k * (k + 1)];
        double[] next = new double[k + 1];
        double[] tagCount = new double[k];
        double[] wordTag = new double[v * k];
        double tokens = 0;
        for (int n = 0; n < ws.length; n++) {
            int[] y = ts[n];
            for (int t = 0; t < y.length; t++) {
                tagCount[y[t]]++;
                tokens++;
                wordTag[vocabulary.get(ws[n][t]) * k + y[t]]++;
                int to = t + 1 < y.length ? y[t + 1] : k;
                trans[y[t] * (k + 1) + to]++;
                next[to]++;
            }
            if (y.length > 0) {
                start[y[0]]++;
            }
        }
        double mu = options.transitionSmoothing();
        double[] logTrans = new double[k * k];
        double[] logEnd = new double[k];
        double nextTotal = 0;
        for (double c : next) {
            nextTotal += c;
        }
        for (int i = 0; i < k; i++) {
            double row = tagCount[i];
            for (int j = 0; j <= k; j++) {
                // Add-one inside the unigram base keeps every move possible.
                double base = (next[j] + 1) / (nextTotal + k + 1);
                double p = Math.log((trans[i * (k + 1) + j] + mu * base) / (row + mu));
                if (j < k) {
                    logTrans[i * k + j] = p;
                } else {
                    logEnd[i] = p;
                }
            }
        }
        double[] logStart = new double[k];
        double[] logPrior = new double[k];
        double sentences = 0;
        for (double c : start) {
            sentences += c;
        }
        for (int j = 0; j < k; j++) {
            logPrior[j] = Math.log(tagCount[j] / tokens);
            double base = (tagCount[j] + 1) / (tokens + k);
            logStart[j] = Math.log((start[j] + mu * base) / (sentences + mu));
        }
        SuffixTagModel suffixes = SuffixTagModel.train(ws, ts, k, frequency, options.rareWordMaxCount(),
                options.maxSuffixLength());
        double lambda = options.lexicalSmoothing();
        double[] lexicon = new double[v * k];
        double[] suffixDist = new double[k];
        for (Map.Entry<String, Integer> e : vocabulary.entrySet()) {
            int w = e.getValue();
            suffixes.tagDistribution(e.getKey(), suffixDist);
            double total = frequency.get(e.getKey()) + lambda;
            for (int j = 0; j < k; j++) {
                lexicon[w * k + j] = Math.log((wordTag[w * k + j] + lambda * suffixDist[j]) / total) - logPrior[j];
            }
        }
        String[] names = tagIndex.keySet().toArray(String[]::new);
        return new HmmTagger(names, vocabulary, lexicon, logPrior, suffixes,
                new ChainPotentials(k, logTrans, logStart, logEnd));
    }

    /**
     * Saves the tagger: tag names and vocabulary (in id order) as attributes; the lexicon
     * {@code [V, K]}, log P(t), the chain's log-potentials and the suffix model as arrays.
     *
     * @param path the file to write, replaced when complete
     * @throws IOException when it cannot be written
     */
    public void save(Path path) throws IOException {
        int k = tags.length;
        String[] words = new String[vocabulary.size()];
        vocabulary.forEach((w, id) -> words[id] = w);
        double[] transition = new double[k * k];
        double[] start = new double[k];
        double[] end = new double[k];
        for (int i = 0; i < k; i++) {
            start[i] = potentials.start(i);
            end[i] = potentials.end(i);
            for (int j = 0; j < k; j++) {
                transition[i * k + j] = potentials.transition(i, j);
            }
        }
        ModelFile.Builder file = ModelFile.builder(KIND)
                .attribute("tags", List.of(tags))
                .attribute("vocabulary", List.of(words))
                .doubles("lexicon", lexicon, words.length, k)
                .doubles("log-prior", logPrior, k)
                .doubles("transition", transition, k, k)
                .doubles("start", start, k)
                .doubles("end", end, k);
        suffixes.store(file);
        file.build().write(path);
    }

    /**
     * The tagger saved at {@code path}.
     *
     * @param path a model file of kind {@link #KIND}
     * @return the tagger
     * @throws IOException when the file cannot be read or is not a valid model file
     */
    public static HmmTagger load(Path path) throws IOException {
        return from(ModelFile.read(path));
    }

    /**
     * The tagger saved in {@code file}.
     *
     * @param file a model file of kind {@link #KIND}
     * @return the tagger
     * @throws IllegalArgumentException when the file is of another kind or its arrays do not fit
     */
    public static HmmTagger from(ModelFile file) {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        file.requireKind(KIND);
        String[] names = file.strings("tags").toArray(String[]::new);
        List<String> words = file.strings("vocabulary");
        int k = names.length;
        double[] lexicon = file.doubles("lexicon");
        double[] logPrior = file.doubles("log-prior");
        if (k == 0 || lexicon.length != (long) words.size() * k || logPrior.length != k) {
            throw new IllegalArgumentException("file has " + k + " tags and " + words.size() + " words but a "
                    + lexicon.length + "-value lexicon and " + logPrior.length + " log-priors");
        }
        Map<String, Integer> vocabulary = new HashMap<>();
        for (String w : words) {
            if (vocabulary.putIfAbsent(w, vocabulary.size()) != null) {
                throw new IllegalArgumentException("vocabulary lists '" + w + "' twice");
            }
        }
        return new HmmTagger(names, vocabulary, lexicon, logPrior, SuffixTagModel.from(file, k),
                new ChainPotentials(k, file.doubles("transition"), file.doubles("start"), file.doubles("end")));
    }

    /**
     * The tag set, in order of first appearance in training.
     *
     * @return an unmodifiable list; a tag's index is its state
     */
    public List<String> tagSet() {
        return List.of(tags);
    }

    /**
     * Whether {@code word} occurred in training.
     *
     * @param word a token, compared exactly
     * @return true for a training word (scored by the lexicon, not the suffix model)
     */
    public boolean isKnown(String word) {
        return vocabulary.containsKey(word);
    }

    /** Writes the emission scores of {@code word} at position {@code t} into {@code out[at .. at + K)}. */
    private void emission(String word, int t, double[] out, int at, double[] tmp) {
        int k = tags.length;
        Integer id = vocabulary.get(word);
        if (id == null && t == 0 && !word.isEmpty() && Character.isUpperCase(word.charAt(0))) {
            id = vocabulary.get(word.toLowerCase(Locale.ROOT));
        }
        if (id != null) {
            System.arraycopy(lexicon, id * k, out, at, k);
            return;
        }
        suffixes.tagDistribution(word, tmp);
        for (int j = 0; j < k; j++) {
            out[at + j] = Math.log(tmp[j]) - logPrior[j];
        }
    }

    /**
     * The most probable tag sequence of every sentence.
     *
     * @param inference the batched forward-backward / Viterbi runner, on the engine's kernel
     * @param sentences the sentences, one array of tokens each
     * @return one tag array per sentence, as long as it
     */
    public List<String[]> tag(ChainInference inference, List<String[]> sentences) {
        if (inference == null || sentences == null) {
            throw new IllegalArgumentException("inference and sentences must not be null");
        }
        int[] lengths = new int[sentences.size()];
        for (int n = 0; n < lengths.length; n++) {
            if (sentences.get(n) == null) {
                throw new IllegalArgumentException("sentences[" + n + "] must not be null");
            }
            lengths[n] = sentences.get(n).length;
        }
        int k = tags.length;
        String[][] out = new String[lengths.length][];
        LinearChain chain = inference.chain();
        inference.forEachBatch(lengths, () -> new ChainBatch(k), (b, batch) -> {
            int[] ls = new int[batch.length];
            for (int i = 0; i < batch.length; i++) {
                ls[i] = lengths[batch[i]];
            }
            b.reset(ls);
            double[] tmp = new double[k];
            for (int i = 0; i < batch.length; i++) {
                String[] ws = sentences.get(batch[i]);
                for (int t = 0; t < ws.length; t++) {
                    emission(ws[t], t, b.unary, b.offset(i, t), tmp);
                }
            }
            chain.viterbi(potentials, b);
            for (int i = 0; i < batch.length; i++) {
                int[] p = b.path(i);
                String[] named = new String[p.length];
                for (int t = 0; t < p.length; t++) {
                    named[t] = tags[p[t]];
                }
                out[batch[i]] = named;
            }
        });
        return new ArrayList<>(Arrays.asList(out));
    }

    /**
     * Tags {@code sentences} and scores them against {@code gold}, known and unknown words apart.
     *
     * @param inference the batched forward-backward / Viterbi runner, on the engine's kernel
     * @param sentences the sentences, one array of tokens each
     * @param gold each sentence's correct tags
     * @return the token accuracies
     */
    public Accuracy accuracy(ChainInference inference, List<String[]> sentences, List<String[]> gold) {
        if (gold == null || sentences == null || gold.size() != sentences.size()) {
            throw new IllegalArgumentException("sentences and gold must be non-null lists of equal size");
        }
        List<String[]> guess = tag(inference, sentences);
        long kc = 0;
        long kt = 0;
        long uc = 0;
        long ut = 0;
        for (int n = 0; n < guess.size(); n++) {
            String[] ws = sentences.get(n);
            String[] g = gold.get(n);
            if (g.length != ws.length) {
                throw new IllegalArgumentException("gold[" + n + "] has " + g.length + " tags for " + ws.length + " words");
            }
            for (int t = 0; t < ws.length; t++) {
                boolean right = g[t].equals(guess.get(n)[t]);
                if (isKnown(ws[t])) {
                    kt++;
                    kc += right ? 1 : 0;
                } else {
                    ut++;
                    uc += right ? 1 : 0;
                }
            }
        }
        return new Accuracy(kc, kt, uc, ut);
    }
}
