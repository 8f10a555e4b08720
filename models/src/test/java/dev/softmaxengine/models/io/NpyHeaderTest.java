package dev.softmaxengine.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Headers built to hurt the parser: each an IllegalArgumentException saying why, never an Error. */
class NpyHeaderTest {

    /** A version 1.0 file of {@code dict} followed by {@code dataBytes} zero bytes. */
    private static MemorySegment file(String dict, int dataBytes) {
        byte[] text = dict.getBytes(StandardCharsets.ISO_8859_1);
        int length = (10 + text.length + 1 + 63) / 64 * 64 - 10;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) length, (byte) (length >> 8)});
        out.writeBytes(text);
        out.writeBytes(" ".repeat(length - text.length - 1).getBytes(StandardCharsets.US_ASCII));
        out.write('\n');
        out.writeBytes(new byte[dataBytes]);
        return MemorySegment.ofArray(out.toByteArray());
    }

    private static String dict(String shape) {
        return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    private static String rejected(MemorySegment file) {
        return assertThrows(IllegalArgumentException.class, () -> NpyHeader.read(file)).getMessage();
    }

    @Test
    void readsAPlainHeader() {
        NpyHeader h = NpyHeader.read(file(dict("(2, 3)"), 24));
        assertArrayEquals(new long[] {2, 3}, h.shape());
        assertEquals("<f4", h.descr());
    }

    /** Before the limit, 3,000 nested lists overflowed the stack (StackOverflowError out of the parser). */
    @Test
    void nestingIsLimitedBeforeTheStackIs() {
        // As deep as a header within numpy's 10,000 characters can nest each kind.
        for (String deep : new String[] {"[".repeat(4000) + "]".repeat(4000), "(".repeat(3000) + ",)".repeat(3000),
                "{1:".repeat(2400) + "}".repeat(2400)}) {
            String m = rejected(file(dict(deep), 0));
            assertTrue(m.startsWith("malformed header: nesting deeper than 32 levels at character"), m);
        }
        // 30 levels of lists inside the dict: parsed, then refused as a shape that is not a tuple.
        String m = rejected(file(dict("[".repeat(30) + "]".repeat(30)), 0));
        assertTrue(m.startsWith("malformed header: shape must be a tuple"), m);
    }

    @Test
    void dimsWhoseProductOverflowsAreRefused() {
        String m = rejected(file(dict("(4294967296, 4294967296)"), 4));
        assertTrue(m.endsWith("has more than 2^63 - 1 elements"), m);
        m = rejected(file(dict("(9223372036854775807, 2)"), 4));
        assertTrue(m.endsWith("has more than 2^63 - 1 elements"), m);
    }

    @Test
    void aShapeTheFileCannotHoldIsRefusedByTheHeader() {
        String m = rejected(file(dict("(1000000000, 1000)"), 8));
        assertEquals("shape (1000000000, 1000) declares 1000000000000 elements, more than the 8 bytes of data the file has", m);
    }

    @Test
    void zeroElementShapesWithHugeDimensionsAreValid() {
        assertArrayEquals(new long[] {0, 1L << 40}, NpyHeader.read(file(dict("(0, 1099511627776)"), 0)).shape());
        assertArrayEquals(new long[] {1_000_000_000, 0}, NpyHeader.read(file(dict("(1000000000, 0)"), 0)).shape());
    }

    @Test
    void aHeaderLongerThanNumpysLimitIsRefusedUnparsed() {
        String m = rejected(file(dict("(" + "1, ".repeat(4000) + ")"), 0));
        assertTrue(m.contains("larger than numpy's limit"), m);
    }
}
