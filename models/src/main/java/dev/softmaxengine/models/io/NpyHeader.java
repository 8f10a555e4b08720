package dev.softmaxengine.models.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header of a NumPy {@code .npy} file: magic {@code \x93NUMPY}, a version byte pair, the
 * header length (uint16 in 1.0, uint32 in 2.0 and 3.0, little-endian) and a Python dict literal
 * with exactly the keys {@code descr}, {@code fortran_order} and {@code shape} (latin-1 in 1.0 and
 * 2.0, UTF-8 in 3.0). The dict is parsed as a literal, as numpy's {@code ast.literal_eval} does, so
 * key order, quotes, spacing and trailing commas do not matter.
 *
 * @param descr the dtype descriptor, e.g. {@code <f4}
 * @param fortranOrder whether the data is column-major (the readers here refuse it)
 * @param shape the dimensions, row-major
 * @param dataOffset where the data starts in the file (the total header length)
 */
public record NpyHeader(String descr, boolean fortranOrder, long[] shape, long dataOffset) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy's own limit (max_header_size); larger headers are refused as unsafe to parse. */
    private static final int MAX_HEADER_CHARS = 10_000;
    /** numpy aligns the data to 64 bytes so that it can be memory-mapped with any dtype. */
    private static final int ALIGN = 64;
    /** numpy leaves room for the growth axis to reach 21 digits so the header can be rewritten in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    /**
     * A header; {@code shape} is copied.
     *
     * @param descr the dtype descriptor
     * @param fortranOrder whether the data is column-major
     * @param shape the dimensions, row-major
     * @param dataOffset where the data starts in the file
     */
    public NpyHeader {
        shape = shape.clone();
    }

    /**
     * The dimensions.
     *
     * @return a copy of the shape, row-major
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Reads the header at the start of {@code file}.
     *
     * @throws IllegalArgumentException saying what is wrong: bad magic, unknown version, truncated
     *     or malformed header, wrong keys or value types
     * @param file the whole file (or at least its header), mapped or in memory
     * @return the parsed header
     */
    public static NpyHeader read(MemorySegment file) {
        long size = file.byteSize();
        if (size < MAGIC.length + 2 || !Arrays.equals(file.asSlice(0, MAGIC.length).toArray(ValueLayout.JAVA_BYTE), MAGIC)) {
            throw new IllegalArgumentException("not a .npy file: it does not start with \\x93NUMPY");
        }
        int major = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 6));
        int minor = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 7));
        if (minor != 0 || major < 1 || major > 3) {
            throw new IllegalArgumentException("unsupported .npy format version " + major + "." + minor
                    + "; expected 1.0, 2.0 or 3.0");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        long prefix = 8 + lengthBytes;
        if (size < prefix) {
            throw new IllegalArgumentException("truncated header: the file has " + size + " bytes");
        }
        long length = major == 1
                ? Short.toUnsignedInt(file.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8))
                : Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
        if (length > 4L * MAX_HEADER_CHARS) {
            throw new IllegalArgumentException("header of " + length + " bytes is larger than numpy's limit of "
                    + MAX_HEADER_CHARS + " characters");
        }
        if (size < prefix + length) {
            throw new IllegalArgumentException("truncated header: it declares " + length + " bytes, the file has "
                    + (size - prefix) + " after the length field");
        }
        byte[] bytes = file.asSlice(prefix, length).toArray(ValueLayout.JAVA_BYTE);
        String text = decode(bytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if (text.length() > MAX_HEADER_CHARS) {
            throw new IllegalArgumentException("header of " + text.length() + " characters is larger than numpy's limit of "
                    + MAX_HEADER_CHARS);
        }
        return fromDict(new Literal(text).parseAll(), prefix + length, size - prefix - length);
    }

    private static String decode(byte[] bytes, Charset charset) {
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("malformed header: not valid " + charset.name());
        }
    }

    private static NpyHeader fromDict(Object parsed, long dataOffset, long dataBytes) {
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new IllegalArgumentException("malformed header: not a dict: " + Literal.repr(parsed));
        }
        if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw new IllegalArgumentException("malformed header: its keys must be descr, fortran_order and shape, were "
                    + Literal.repr(new ArrayList<>(dict.keySet())));
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw new IllegalArgumentException("dtype " + Literal.repr(dict.get("descr"))
                    + " is not supported; softmax-engine reads float32 ('<f4') and float64 ('<f8')");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortranOrder)) {
            throw new IllegalArgumentException("malformed header: fortran_order must be True or False, was "
                    + Literal.repr(dict.get("fortran_order")));
        }
        if (!(dict.get("shape") instanceof Literal.Tuple(List<Object> dims))) {
            throw new IllegalArgumentException("malformed header: shape must be a tuple, was " + Literal.repr(dict.get("shape")));
        }
        long[] shape = new long[dims.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new IllegalArgumentException("malformed header: shape must hold non-negative ints, was "
                        + Literal.repr(dict.get("shape")));
            }
            shape[i] = d;
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("malformed header: shape " + Literal.repr(dict.get("shape"))
                        + " has more than 2^63 - 1 elements");
            }
        }
        // Every dtype takes at least a byte per element: a shape the file cannot hold is refused here,
        // before any reader sizes an allocation or a loop by it.
        if (elements > dataBytes) {
            throw new IllegalArgumentException("shape " + Literal.repr(dict.get("shape")) + " declares " + elements
                    + " elements, more than the " + dataBytes + " bytes of data the file has");
        }
        return new NpyHeader(descr, fortranOrder, shape, dataOffset);
    }

    /**
     * A version 1.0 header byte for byte as {@code numpy.save} writes it (2.0 if it would not fit).
     *
     * @param descr the dtype descriptor, e.g. {@code <f4}
     * @param shape the dimensions, each at least 0
     * @return magic, version, length and the dict, padded so that the data starts 64-byte aligned
     */
    public static byte[] encode(String descr, long[] shape) {
        StringBuilder dict = new StringBuilder("{'descr': ").append(Literal.repr(descr))
                .append(", 'fortran_order': False, 'shape': ").append(Literal.repr(new Literal.Tuple(box(shape))))
                .append(", }");
        if (shape.length > 0) {
            dict.repeat(' ', GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length());
        }
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        boolean v1 = 10 + text.length + 1 + ALIGN <= 0xFFFF;
        int prefix = v1 ? 10 : 12;
        // Spaces then '\n' so that the data starts on a 64-byte boundary; numpy pads a full 64 when already aligned.
        int pad = ALIGN - (prefix + text.length + 1) % ALIGN;
        int length = text.length + pad + 1;
        ByteBuffer out = ByteBuffer.allocate(prefix + length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            out.putShort((short) length);
        } else {
            out.putInt(length);
        }
        out.put(text);
        for (int i = 0; i < pad; i++) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        return out.array();
    }

    private static List<Object> box(long[] shape) {
        List<Object> dims = new ArrayList<>(shape.length);
        for (long d : shape) {
            dims.add(d);
        }
        return dims;
    }

    /**
     * The subset of Python literals that .npy headers use: dicts, tuples, lists, strings, ints,
     * True, False and None. Tuples and lists stay distinct because numpy requires a tuple shape.
     */
    static final class Literal {
        record Tuple(List<Object> items) {
        }

        /** Python's None. */
        enum None { NONE }

        /**
         * Deepest nesting of dicts, tuples and lists: a real header needs 2 (the dict and the shape
         * tuple); without a limit a few thousand brackets overflow the parser's stack.
         */
        static final int MAX_DEPTH = 32;

        private final String s;
        private int pos;
        private int depth;

        Literal(String s) {
            this.s = s;
        }

        Object parseAll() {
            Object v = value();
            skipSpace();
            if (pos != s.length()) {
                throw error("unexpected text after the dict");
            }
            return v;
        }

        private Object value() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{', '(', '[' -> nested(c);
                case '\'', '"' -> string();
                default -> c == '-' || c == '+' || Character.isDigit(c) ? integer() : name();
            };
        }

        private Object nested(char open) {
            if (++depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels");
            }
            Object v = switch (open) {
                case '{' -> dict();
                case '(' -> parenthesized();
                default -> new ArrayList<>(sequence('[', ']'));
            };
            depth--;
            return v;
        }

        private Map<Object, Object> dict() {
            Map<Object, Object> map = new LinkedHashMap<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek('}')) {
                    pos++;
                    return map;
                }
                Object key = value();
                skipSpace();
                expect(':');
                if (map.put(key, value()) != null) {
                    throw error("duplicate key " + repr(key));
                }
                skipSpace();
                if (peek(',')) {
                    pos++;
                } else if (!peek('}')) {
                    throw error("expected ',' or '}'");
                }
            }
        }

        /** {@code ()} and {@code (5,)} are tuples; {@code (5)} is just 5, as in Python. */
        private Object parenthesized() {
            int start = pos;
            pos++;
            skipSpace();
            if (peek(')')) {
                pos++;
                return new Tuple(List.of());
            }
            Object first = value();
            skipSpace();
            if (peek(')')) {
                pos++;
                return first;
            }
            pos = start;
            return new Tuple(sequence('(', ')'));
        }

        private List<Object> sequence(char open, char close) {
            List<Object> items = new ArrayList<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek(close)) {
                    pos++;
                    return items;
                }
                items.add(value());
                skipSpace();
                if (peek(',')) {
                    pos++;
                } else if (!peek(close)) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String string() {
            char quote = s.charAt(pos++);
            StringBuilder b = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == quote) {
                    return b.toString();
                }
                if (c == '\n') {
                    break;
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    break;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case '0' -> b.append('\0');
                    case 'x' -> b.append((char) hex(2));
                    case 'u' -> b.append((char) hex(4));
                    case '\\', '\'', '"' -> b.append(e);
                    // Python keeps unknown escapes verbatim.
                    default -> b.append('\\').append(e);
                }
            }
            throw error("unterminated string");
        }

        private int hex(int digits) {
            if (pos + digits > s.length()) {
                throw error("truncated escape");
            }
            try {
                int v = Integer.parseInt(s.substring(pos, pos + digits), 16);
                pos += digits;
                return v;
            } catch (NumberFormatException e) {
                throw error("bad escape");
            }
        }

        private Long integer() {
            int start = pos;
            if (peek('-') || peek('+')) {
                pos++;
            }
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            if (pos == digits || (pos < s.length() && (s.charAt(pos) == '.' || Character.isLetter(s.charAt(pos))))) {
                throw error("only integers are allowed here");
            }
            try {
                return Long.parseLong(s.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("integer " + s.substring(start, pos) + " does not fit in 64 bits");
            }
        }

        private Object name() {
            int start = pos;
            while (pos < s.length() && Character.isLetter(s.charAt(pos))) {
                pos++;
            }
            return switch (s.substring(start, pos)) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                case "None" -> None.NONE;
                default -> {
                    pos = start;
                    throw error("unexpected character '" + s.charAt(pos) + "'");
                }
            };
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private boolean peek(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private IllegalArgumentException error(String what) {
            String text = s.strip();
            return new IllegalArgumentException("malformed header: " + what + " at character " + pos + " of "
                    + repr(text.length() > 200 ? text.substring(0, 200) + "..." : text));
        }

        /** Python's repr of a parsed value, for messages and for writing headers. */
        static String repr(Object v) {
            return switch (v) {
                case String str -> "'" + str.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'";
                case Boolean b -> b ? "True" : "False";
                case None n -> "None";
                case Tuple(List<Object> items) -> items.size() == 1
                        ? "(" + repr(items.getFirst()) + ",)"
                        : "(" + join(items) + ")";
                case List<?> list -> "[" + join(list) + "]";
                case Map<?, ?> map -> {
                    List<String> entries = new ArrayList<>();
                    map.forEach((k, x) -> entries.add(repr(k) + ": " + repr(x)));
                    yield "{" + String.join(", ", entries) + "}";
                }
                default -> String.valueOf(v);
            };
        }

        private static String join(List<?> items) {
            List<String> parts = new ArrayList<>(items.size());
            for (Object o : items) {
                parts.add(repr(o));
            }
            return String.join(", ", parts);
        }
    }
}
