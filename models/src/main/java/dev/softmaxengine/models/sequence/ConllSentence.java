package dev.softmaxengine.models.sequence;

/**
 * One sentence of CoNLL-2000 chunking data: the words, their part-of-speech tags and their IOB
 * chunk tags, all of the same length. The arrays are shared, not copied: do not modify them.
 *
 * @param words the tokens
 * @param pos a part-of-speech tag per token
 * @param chunks an IOB chunk tag per token ({@code B-NP}, {@code I-NP}, {@code O}, ...)
 */
public record ConllSentence(String[] words, String[] pos, String[] chunks) {
    /**
     * A sentence, checked.
     *
     * @param words the tokens
     * @param pos a part-of-speech tag per token
     * @param chunks an IOB chunk tag per token
     * @throws IllegalArgumentException when an array is null or the lengths differ
     */
    public ConllSentence {
        if (words == null || pos == null || chunks == null) {
            throw new IllegalArgumentException("words, pos and chunks must not be null");
        }
        if (pos.length != words.length || chunks.length != words.length) {
            throw new IllegalArgumentException("a sentence of " + words.length + " words has " + pos.length
                    + " POS tags and " + chunks.length + " chunk tags");
        }
    }

    /**
     * The number of tokens.
     *
     * @return the length of every array
     */
    public int length() {
        return words.length;
    }
}
