package dev.softmaxengine.models.sequence;

/**
 * Orthographic word classes, the part of a word that predicts its tag when the word itself was
 * never seen: capitalization, digits, hyphens and the collapsed character shape.
 */
public final class WordShape {
    private WordShape() {
    }

    /** Coarse classes that split the unknown-word suffix statistics (after Brants' TnT, plus digits and hyphens). */
    public enum WordClass {
        /** Contains a digit: numbers, dates, "1980s", "10-year". */
        NUMBER,
        /** Starts with an upper-case letter. */
        CAPITALIZED,
        /** Contains a hyphen, lower-case otherwise: "long-term". */
        HYPHENATED,
        /** Everything else. */
        LOWER;

        /**
         * The class of {@code word}, tested in declaration order.
         *
         * @param word a token; an empty one is {@link #LOWER}
         * @return its class
         */
        public static WordClass of(String word) {
            boolean hyphen = false;
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                if (Character.isDigit(c)) {
                    return NUMBER;
                }
                hyphen |= c == '-';
            }
            if (!word.isEmpty() && Character.isUpperCase(word.charAt(0))) {
                return CAPITALIZED;
            }
            return hyphen ? HYPHENATED : LOWER;
        }
    }

    /**
     * The collapsed shape: upper-case letters become {@code X}, lower-case {@code x}, digits
     * {@code d}, other characters stay, and runs of one symbol collapse to one ("McDonald's" ->
     * "XxXx'x", "1,234.5" -> "d,d.d").
     *
     * @param word a token
     * @return its collapsed shape
     */
    public static String shape(String word) {
        StringBuilder sb = new StringBuilder(Math.min(word.length(), 16));
        char last = 0;
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            char m = Character.isUpperCase(c) ? 'X' : Character.isLowerCase(c) ? 'x' : Character.isDigit(c) ? 'd' : c;
            if (m != last) {
                sb.append(m);
                last = m;
            }
        }
        return sb.toString();
    }
}
