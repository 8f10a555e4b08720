package dev.softmaxengine.models.sequence;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chunk-level precision, recall and F1 exactly as the CoNLL-2000 {@code conlleval} script
 * (version 2004-01-26) computes them: a chunk counts as correct only if its type and both its
 * boundaries match. Chunks are found with conlleval's start-of-chunk and end-of-chunk rules, which
 * accept IOB1, IOB2, IOE and bracket tags and give ill-formed sequences their usual reading (an
 * {@code I-X} after {@code O} or after another type opens a chunk). A tag splits at its first
 * hyphen into prefix and type ({@code B-NP} -> {@code B}, {@code NP}); a tag without one has an
 * empty type. Sentences are separated as conlleval separates them, by an {@code O O} boundary line.
 *
 * <p>Feed sentences with {@link #add}; read scores with {@link #result}. Not thread-safe.
 */
public final class ChunkEvaluator {
    /** An evaluator with no sentences yet. */
    public ChunkEvaluator() {
    }

    private long correctChunk;
    private long foundCorrect;
    private long foundGuessed;
    private long correctTags;
    private long tokens;
    /** Per type: correct chunks, chunks in the gold data, chunks guessed. */
    private final Map<String, long[]> byType = new TreeMap<>();

    private boolean inCorrect;
    private String lastCorrect = "O";
    private String lastCorrectType = "";
    private String lastGuessed = "O";
    private String lastGuessedType = "";

    /**
     * Scores of one chunk type, or of all of them.
     *
     * @param correct guessed chunks that match a gold chunk exactly (span and type)
     * @param gold chunks in the gold tags
     * @param guessed chunks in the guessed tags
     */
    public record Scores(long correct, long gold, long guessed) {
        /**
         * The fraction of guessed chunks that are right.
         *
         * @return in [0, 1]; 0 when nothing was guessed
         */
        public double precision() {
            return guessed == 0 ? 0 : (double) correct / guessed;
        }

        /**
         * The fraction of gold chunks found.
         *
         * @return in [0, 1]; 0 when there were none
         */
        public double recall() {
            return gold == 0 ? 0 : (double) correct / gold;
        }

        /**
         * The harmonic mean of precision and recall (conlleval's FB1 / 100).
         *
         * @return in [0, 1]; 0 when both are 0
         */
        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    /**
     * Overall scores, the tag accuracy, and scores per chunk type in type order.
     *
     * @param tokens tokens evaluated
     * @param correctTags tokens whose guessed tag equals the gold tag
     * @param overall chunk scores over every type
     * @param byType chunk scores per type, sorted by type
     */
    public record Result(long tokens, long correctTags, Scores overall, Map<String, Scores> byType) {
        /**
         * Tag accuracy.
         *
         * @return {@code correctTags / tokens} in [0, 1]; 0 for no tokens
         */
        public double accuracy() {
            return tokens == 0 ? 0 : (double) correctTags / tokens;
        }

        /**
         * conlleval's report: the summary lines and one line per chunk type.
         *
         * @return the report's text, lines ending in newline
         */
        public String report() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.%n",
                    tokens, overall.gold(), overall.guessed(), overall.correct()));
            if (tokens > 0) {
                sb.append(String.format(Locale.ROOT, "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f%n",
                        100 * accuracy(), 100 * overall.precision(), 100 * overall.recall(), 100 * overall.f1()));
            }
            for (Map.Entry<String, Scores> e : byType.entrySet()) {
                Scores s = e.getValue();
                sb.append(String.format(Locale.ROOT, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d%n",
                        e.getKey(), 100 * s.precision(), 100 * s.recall(), 100 * s.f1(), s.guessed()));
            }
            return sb.toString();
        }
    }

    /**
     * Adds one sentence: its gold and guessed tags, token for token.
     *
     * @param gold the correct IOB tags ({@code B-NP}, {@code I-NP}, {@code O}, ...)
     * @param guessed the tagger's tags, as many as {@code gold}
     * @throws IllegalArgumentException when the lengths differ
     */
    public void add(String[] gold, String[] guessed) {
        if (gold == null || guessed == null) {
            throw new IllegalArgumentException("gold and guessed must not be null");
        }
        if (gold.length != guessed.length) {
            throw new IllegalArgumentException("gold has " + gold.length + " tags, guessed " + guessed.length);
        }
        for (int i = 0; i < gold.length; i++) {
            if (gold[i] == null || guessed[i] == null) {
                throw new IllegalArgumentException("tag " + i + " must not be null");
            }
            token(gold[i], guessed[i], false);
        }
        token("O", "O", true);
    }

    /** One line of conlleval's main loop. */
    private void token(String correctTag, String guessedTag, boolean boundary) {
        String correct = prefix(correctTag);
        String correctType = type(correctTag);
        String guessed = boundary ? "O" : prefix(guessedTag);
        String guessedType = type(guessedTag);

        boolean endCorrect = endOfChunk(lastCorrect, correct, lastCorrectType, correctType);
        boolean endGuessed = endOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
        boolean startCorrect = startOfChunk(lastCorrect, correct, lastCorrectType, correctType);
        boolean startGuessed = startOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
        if (inCorrect) {
            if (endCorrect && endGuessed && lastGuessedType.equals(lastCorrectType)) {
                inCorrect = false;
                correctChunk++;
                counts(lastCorrectType)[0]++;
            } else if (endCorrect != endGuessed || !guessedType.equals(correctType)) {
                inCorrect = false;
            }
        }
        if (startCorrect && startGuessed && guessedType.equals(correctType)) {
            inCorrect = true;
        }
        if (startCorrect) {
            foundCorrect++;
            counts(correctType)[1]++;
        }
        if (startGuessed) {
            foundGuessed++;
            counts(guessedType)[2]++;
        }
        if (!boundary) {
            if (correct.equals(guessed) && guessedType.equals(correctType)) {
                correctTags++;
            }
            tokens++;
        }
        lastGuessed = guessed;
        lastCorrect = correct;
        lastGuessedType = guessedType;
        lastCorrectType = correctType;
    }

    private long[] counts(String type) {
        return byType.computeIfAbsent(type, t -> new long[3]);
    }

    /**
     * The scores so far, with a chunk still open at the end counted as conlleval does at end of input.
     *
     * @return a snapshot; adding more sentences does not change it
     */
    public Result result() {
        long correct = correctChunk + (inCorrect ? 1 : 0);
        Map<String, Scores> types = new TreeMap<>();
        for (Map.Entry<String, long[]> e : byType.entrySet()) {
            long[] c = e.getValue();
            long extra = inCorrect && e.getKey().equals(lastCorrectType) ? 1 : 0;
            types.put(e.getKey(), new Scores(c[0] + extra, c[1], c[2]));
        }
        return new Result(tokens, correctTags, new Scores(correct, foundCorrect, foundGuessed),
                Collections.unmodifiableMap(types));
    }

    /**
     * Scores whole corpora of gold and guessed tag sequences.
     *
     * @param gold the correct tags, one array per sentence
     * @param guessed the tagger's tags, sentence for sentence
     * @return the scores of every sentence
     */
    public static Result evaluate(List<String[]> gold, List<String[]> guessed) {
        if (gold == null || guessed == null || gold.size() != guessed.size()) {
            throw new IllegalArgumentException("gold and guessed must be non-null lists of equal size");
        }
        ChunkEvaluator e = new ChunkEvaluator();
        for (int i = 0; i < gold.size(); i++) {
            e.add(gold.get(i), guessed.get(i));
        }
        return e.result();
    }

    /** {@code B} of {@code B-NP}: conlleval's {@code /^([^-]*)-(.*)$/} first group, or the whole tag. */
    static String prefix(String tag) {
        int dash = tag.indexOf('-');
        return dash < 0 ? tag : tag.substring(0, dash);
    }

    /** {@code NP} of {@code B-NP}: everything after the first hyphen, or empty. */
    static String type(String tag) {
        int dash = tag.indexOf('-');
        return dash < 0 ? "" : tag.substring(dash + 1);
    }

    /** conlleval's endOfChunk: whether a chunk ended between the previous and the current token. */
    static boolean endOfChunk(String prevTag, String tag, String prevType, String type) {
        boolean end = false;
        if (prevTag.equals("B") && tag.equals("B")) {
            end = true;
        }
        if (prevTag.equals("B") && tag.equals("O")) {
            end = true;
        }
        if (prevTag.equals("I") && tag.equals("B")) {
            end = true;
        }
        if (prevTag.equals("I") && tag.equals("O")) {
            end = true;
        }
        if (prevTag.equals("E") && tag.equals("E")) {
            end = true;
        }
        if (prevTag.equals("E") && tag.equals("I")) {
            end = true;
        }
        if (prevTag.equals("E") && tag.equals("O")) {
            end = true;
        }
        if (!prevTag.equals("O") && !prevTag.equals(".") && !prevType.equals(type)) {
            end = true;
        }
        // conlleval 1998-12-22: bracket chunks are assumed to have length 1.
        if (prevTag.equals("]") || prevTag.equals("[")) {
            end = true;
        }
        return end;
    }

    /** conlleval's startOfChunk: whether a chunk started between the previous and the current token. */
    static boolean startOfChunk(String prevTag, String tag, String prevType, String type) {
        boolean start = false;
        if (prevTag.equals("B") && tag.equals("B")) {
            start = true;
        }
        if (prevTag.equals("I") && tag.equals("B")) {
            start = true;
        }
        if (prevTag.equals("O") && tag.equals("B")) {
            start = true;
        }
        if (prevTag.equals("O") && tag.equals("I")) {
            start = true;
        }
        if (prevTag.equals("E") && tag.equals("E")) {
            start = true;
        }
        if (prevTag.equals("E") && tag.equals("I")) {
            start = true;
        }
        if (prevTag.equals("O") && tag.equals("E")) {
            start = true;
        }
        if (!tag.equals("O") && !tag.equals(".") && !prevType.equals(type)) {
            start = true;
        }
        if (tag.equals("[") || tag.equals("]")) {
            start = true;
        }
        return start;
    }
}
