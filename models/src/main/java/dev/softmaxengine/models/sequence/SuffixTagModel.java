package dev.softmaxengine.models.sequence;

import dev.softmaxengine.models.io.ModelFile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * P(tag | word) for words never seen in training, from their suffix (Brants, "TnT - a statistical
 * part-of-speech tagger", ANLP 2000, section 2.3). The statistics come from rare training words,
 * whose tags resemble those of unseen ones, separately for each {@link WordShape.WordClass}. The
 * estimate backs off from the longest known suffix to the empty one by successive abstraction:
 * {@code P(t | l_{n-i+1..n}) = (P^(t | l_{n-i+1..n}) + θ P(t | l_{n-i+2..n})) / (1 + θ)}, where θ is
 * the standard deviation of the class's tag probabilities. Immutable.
 */
final class SuffixTagModel {
    private final int tags;
    private final int maxSuffix;
    private final Map<WordShape.WordClass, Partition> partitions;
    private final Partition all;

    /** The suffix counts of one word class: suffix -> count per tag, "" holding the class totals. */
    private static final class Partition {
        final Map<String, double[]> counts = new HashMap<>();
        double theta;

        void add(String word, int tag, int maxSuffix, int tags) {
            for (int l = 0; l <= Math.min(maxSuffix, word.length()); l++) {
                counts.computeIfAbsent(word.substring(word.length() - l), s -> new double[tags + 1])[tag]++;
            }
        }

        /** Stores each suffix's total in its last slot and computes θ. */
        void finish(int tags) {
            for (double[] c : counts.values()) {
                double sum = 0;
                for (int t = 0; t < tags; t++) {
                    sum += c[t];
                }
                c[tags] = sum;
            }
            double[] prior = counts.get("");
            double mean = 1.0 / tags;
            double var = 0;
            for (int t = 0; t < tags; t++) {
                double d = prior[t] / prior[tags] - mean;
                var += d * d;
            }
            theta = Math.sqrt(var / Math.max(1, tags - 1));
        }
    }

    private SuffixTagModel(int tags, int maxSuffix, Map<WordShape.WordClass, Partition> partitions, Partition all) {
        this.tags = tags;
        this.maxSuffix = maxSuffix;
        this.partitions = partitions;
        this.all = all;
    }

    /**
     * @param words     training tokens
     * @param tagIds    their tags
     * @param frequency how often each word occurs in training
     * @param rareMax   words seen at most this often feed the statistics (TnT: 10)
     * @param maxSuffix longest suffix considered (TnT: 10)
     */
    static SuffixTagModel train(String[][] words, int[][] tagIds, int tags, Map<String, Integer> frequency,
                                int rareMax, int maxSuffix) {
        Map<WordShape.WordClass, Partition> parts = new EnumMap<>(WordShape.WordClass.class);
        Partition all = new Partition();
        for (int n = 0; n < words.length; n++) {
            for (int t = 0; t < words[n].length; t++) {
                String w = words[n][t];
                if (frequency.get(w) <= rareMax) {
                    int tag = tagIds[n][t];
                    parts.computeIfAbsent(WordShape.WordClass.of(w), c -> new Partition()).add(w, tag, maxSuffix, tags);
                    all.add(w, tag, maxSuffix, tags);
                }
            }
        }
        if (all.counts.isEmpty()) {
            throw new IllegalArgumentException("no training word occurs at most " + rareMax
                    + " times; the unknown-word model has nothing to learn from");
        }
        all.finish(tags);
        for (Partition p : parts.values()) {
            p.finish(tags);
        }
        return new SuffixTagModel(tags, maxSuffix, parts, all);
    }

    /**
     * Adds this model to {@code file}: the word classes present, and per partition ({@code "ALL"}
     * and each class) its suffixes, their {@code [S, K + 1]} counts (totals last) and θ.
     */
    void store(ModelFile.Builder file) {
        List<String> classes = new ArrayList<>();
        double[] thetas = new double[partitions.size() + 1];
        storePartition(file, "ALL", all);
        thetas[0] = all.theta;
        for (Map.Entry<WordShape.WordClass, Partition> e : partitions.entrySet()) {
            classes.add(e.getKey().name());
            thetas[classes.size()] = e.getValue().theta;
            storePartition(file, e.getKey().name(), e.getValue());
        }
        file.attribute("suffix.max-length", maxSuffix)
                .attribute("suffix.classes", classes)
                .doubles("suffix.theta", thetas, thetas.length);
    }

    private void storePartition(ModelFile.Builder file, String name, Partition p) {
        List<String> suffixes = new ArrayList<>(p.counts.keySet());
        double[] counts = new double[suffixes.size() * (tags + 1)];
        for (int i = 0; i < suffixes.size(); i++) {
            System.arraycopy(p.counts.get(suffixes.get(i)), 0, counts, i * (tags + 1), tags + 1);
        }
        file.attribute("suffix." + name + ".suffixes", suffixes)
                .doubles("suffix." + name + ".counts", counts, suffixes.size(), tags + 1);
    }

    /** The model {@link #store} put into {@code file}, for {@code tags} tags. */
    static SuffixTagModel from(ModelFile file, int tags) {
        List<String> classes = file.strings("suffix.classes");
        double[] thetas = file.doubles("suffix.theta");
        if (thetas.length != classes.size() + 1) {
            throw new IllegalArgumentException("suffix.theta has " + thetas.length + " values for "
                    + classes.size() + " word classes plus ALL");
        }
        Partition all = loadPartition(file, "ALL", tags, thetas[0]);
        Map<WordShape.WordClass, Partition> parts = new EnumMap<>(WordShape.WordClass.class);
        for (int i = 0; i < classes.size(); i++) {
            parts.put(WordShape.WordClass.valueOf(classes.get(i)), loadPartition(file, classes.get(i), tags, thetas[i + 1]));
        }
        return new SuffixTagModel(tags, Math.toIntExact(file.integer("suffix.max-length")), parts, all);
    }

    private static Partition loadPartition(ModelFile file, String name, int tags, double theta) {
        List<String> suffixes = file.strings("suffix." + name + ".suffixes");
        double[] counts = file.doubles("suffix." + name + ".counts");
        if (counts.length != (long) suffixes.size() * (tags + 1)) {
            throw new IllegalArgumentException("suffix." + name + ".counts has " + counts.length + " values, "
                    + suffixes.size() + " suffixes x " + (tags + 1) + " needed");
        }
        Partition p = new Partition();
        for (int i = 0; i < suffixes.size(); i++) {
            p.counts.put(suffixes.get(i), Arrays.copyOfRange(counts, i * (tags + 1), (i + 1) * (tags + 1)));
        }
        if (!p.counts.containsKey("")) {
            throw new IllegalArgumentException("suffix." + name + " lacks the empty suffix's class totals");
        }
        p.theta = theta;
        return p;
    }

    /** Writes P(t | word) for every tag into {@code out}. */
    void tagDistribution(String word, double[] out) {
        Partition p = partitions.getOrDefault(WordShape.WordClass.of(word), all);
        double[] prior = p.counts.get("");
        for (int t = 0; t < tags; t++) {
            out[t] = prior[t] / prior[tags];
        }
        double theta = p.theta;
        for (int l = 1; l <= Math.min(maxSuffix, word.length()); l++) {
            double[] c = p.counts.get(word.substring(word.length() - l));
            if (c == null) {
                break;
            }
            for (int t = 0; t < tags; t++) {
                out[t] = (c[t] / c[tags] + theta * out[t]) / (1 + theta);
            }
        }
    }
}
