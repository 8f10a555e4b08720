package dev.softmaxengine.models.sequence;

/**
 * One sentence of CoNLL-2000 chunking data: the words, their part-of-speech tags and their IOB
 * chunk tags, all of the same length. The arrays are shared, not copied: do not modify them.
 */
public record ConllSentence(String[] words, String[] pos, String[] chunks) {
    public ConllSentence {
        if (words == null || pos == null || chunks == null) {
            throw new IllegalArgumentException("words, pos and chunks must not be null");
        }
        if (pos.length != words.length || chunks.length != words.length) {
            throw new IllegalArgumentException("a sentence of " + words.length + " words has " + pos.length
                    + " POS tags and " + chunks.length + " chunk tags");
        }
    }

    public int length() {
        return words.length;
    }
}
