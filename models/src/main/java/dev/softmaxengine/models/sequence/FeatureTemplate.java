package dev.softmaxengine.models.sequence;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A declarative template of CRF observation features over a window of tokens. The text is a list
 * of items separated by white space ({@code #} starts a comment); each item is {@code bias} or a
 * conjunction of atoms joined by {@code |}, an atom being an observation of the token at a relative
 * offset:
 * <pre>
 *   w[-1]|w[0]   pos[0]|pos[1]|pos[2]   lower[0]   shape[0]   suf3[0]   pre2[1]   bias
 * </pre>
 * Observations: {@code w} the word, {@code lower} the lower-cased word, {@code shape} its collapsed
 * {@link WordShape#shape shape}, {@code pos} the part-of-speech tag, {@code preN} / {@code sufN} the
 * prefix / suffix of {@code N} (1-9) characters (the whole word if shorter). Offsets outside the
 * sentence observe {@code <s>} before it and {@code </s>} after it.
 *
 * <p>At a position each item yields one attribute, a string such as {@code "w[-1]|w[0]=the|dog"};
 * a CRF pairs attributes with labels to make its features. Immutable and thread-safe.
 */
public final class FeatureTemplate {
    /** A standard chunking template: words and POS tags at +-2 with their bigrams and trigrams, plus word form. */
    public static final String CHUNKING = """
            bias
            w[-2] w[-1] w[0] w[1] w[2]
            w[-1]|w[0] w[0]|w[1]
            lower[0] shape[0] pre3[0] suf2[0] suf3[0]
            pos[-2] pos[-1] pos[0] pos[1] pos[2]
            pos[-2]|pos[-1] pos[-1]|pos[0] pos[0]|pos[1] pos[1]|pos[2]
            pos[-2]|pos[-1]|pos[0] pos[-1]|pos[0]|pos[1] pos[0]|pos[1]|pos[2]
            w[0]|pos[0] w[-1]|pos[0] w[1]|pos[0]
            """;

    private static final Pattern ATOM = Pattern.compile("(w|lower|shape|pos|pre[1-9]|suf[1-9])\\[([+-]?\\d+)]");
    static final String BEFORE = "<s>";
    static final String AFTER = "</s>";

    /** What an atom observes of a token. */
    enum Observation { WORD, LOWER, SHAPE, POS, PREFIX, SUFFIX }

    private record Atom(Observation what, int chars, int offset) {
    }

    private record Item(String text, Atom[] atoms) {
    }

    private final List<Item> items;
    private final boolean needsPos;

    private FeatureTemplate(List<Item> items) {
        this.items = items;
        boolean pos = false;
        for (Item it : items) {
            for (Atom a : it.atoms) {
                pos |= a.what == Observation.POS;
            }
        }
        this.needsPos = pos;
    }

    /**
     * Parses a template.
     *
     * @param text the template's items, separated by whitespace or line breaks
     * @return the parsed template
     * @throws IllegalArgumentException naming the first item that is not {@code bias} or a conjunction of atoms
     */
    public static FeatureTemplate parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("template must not be null");
        }
        List<Item> items = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String line : text.split("\\R")) {
            int hash = line.indexOf('#');
            String body = hash < 0 ? line : line.substring(0, hash);
            for (String token : body.trim().split("\\s+")) {
                if (token.isEmpty()) {
                    continue;
                }
                Item item = parseItem(token);
                if (seen.add(item.text)) {
                    items.add(item);
                }
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("template has no items");
        }
        return new FeatureTemplate(List.copyOf(items));
    }

    private static Item parseItem(String token) {
        if (token.equals("bias")) {
            return new Item(token, new Atom[0]);
        }
        String[] parts = token.split("\\|", -1);
        Atom[] atoms = new Atom[parts.length];
        StringBuilder canonical = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            Matcher m = ATOM.matcher(parts[i]);
            if (!m.matches()) {
                throw new IllegalArgumentException("template item '" + token + "': '" + parts[i]
                        + "' is not name[offset] with name one of w, lower, shape, pos, pre1-9, suf1-9");
            }
            String name = m.group(1);
            int offset;
            try {
                offset = Integer.parseInt(m.group(2).startsWith("+") ? m.group(2).substring(1) : m.group(2));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("template item '" + token + "': offset " + m.group(2) + " is too large");
            }
            Observation what = switch (name) {
                case "w" -> Observation.WORD;
                case "lower" -> Observation.LOWER;
                case "shape" -> Observation.SHAPE;
                case "pos" -> Observation.POS;
                default -> name.startsWith("pre") ? Observation.PREFIX : Observation.SUFFIX;
            };
            int chars = what == Observation.PREFIX || what == Observation.SUFFIX ? name.charAt(3) - '0' : 0;
            atoms[i] = new Atom(what, chars, offset);
            canonical.append(i == 0 ? "" : "|").append(name).append('[').append(offset).append(']');
        }
        return new Item(canonical.toString(), atoms);
    }

    /**
     * Whether the template observes POS tags (then {@link #extract} needs them).
     *
     * @return true when an item reads a POS atom
     */
    public boolean needsPos() {
        return needsPos;
    }

    /**
     * Number of items: attributes per position.
     *
     * @return at least 1
     */
    public int size() {
        return items.size();
    }

    /**
     * The attributes of every position: {@code out[t]} has one string per item.
     *
     * @param words the sentence's tokens
     * @param pos the POS tags, or null when the template does not observe them
     * @return per position, one attribute string per item
     */
    public String[][] extract(String[] words, String[] pos) {
        if (words == null) {
            throw new IllegalArgumentException("words must not be null");
        }
        if (needsPos && (pos == null || pos.length != words.length)) {
            throw new IllegalArgumentException("the template observes pos, so pos must have one tag per word ("
                    + words.length + "), was " + (pos == null ? "null" : pos.length));
        }
        int n = words.length;
        Observations obs = new Observations(words, pos);
        String[][] out = new String[n][items.size()];
        StringBuilder sb = new StringBuilder(64);
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < items.size(); i++) {
                Item item = items.get(i);
                sb.setLength(0);
                sb.append(item.text).append('=');
                for (int a = 0; a < item.atoms.length; a++) {
                    if (a > 0) {
                        sb.append('|');
                    }
                    Atom atom = item.atoms[a];
                    int at = t + atom.offset;
                    sb.append(at < 0 ? BEFORE : at >= n ? AFTER : obs.get(atom, at));
                }
                out[t][i] = sb.toString();
            }
        }
        return out;
    }

    /** Per-token observations of one sentence, computed once each. */
    private static final class Observations {
        private final String[] words;
        private final String[] pos;
        private String[] lower;
        private String[] shape;

        Observations(String[] words, String[] pos) {
            this.words = words;
            this.pos = pos;
        }

        String get(Atom a, int t) {
            return switch (a.what) {
                case WORD -> words[t];
                case POS -> pos[t];
                case LOWER -> {
                    if (lower == null) {
                        lower = new String[words.length];
                    }
                    if (lower[t] == null) {
                        lower[t] = words[t].toLowerCase(Locale.ROOT);
                    }
                    yield lower[t];
                }
                case SHAPE -> {
                    if (shape == null) {
                        shape = new String[words.length];
                    }
                    if (shape[t] == null) {
                        shape[t] = WordShape.shape(words[t]);
                    }
                    yield shape[t];
                }
                case PREFIX -> words[t].length() <= a.chars ? words[t] : words[t].substring(0, a.chars);
                case SUFFIX -> words[t].length() <= a.chars ? words[t] : words[t].substring(words[t].length() - a.chars);
            };
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Item it : items) {
            sb.append(sb.isEmpty() ? "" : " ").append(it.text);
        }
        return sb.toString();
    }
}
