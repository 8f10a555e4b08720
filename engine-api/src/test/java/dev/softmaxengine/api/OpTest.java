package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OpTest {

    @Test
    void parsesCliNamesUnderscoresAndEnumNames() {
        assertEquals(Op.LOG_SOFTMAX, Op.parse("log-softmax"));
        assertEquals(Op.LOG_SOFTMAX, Op.parse(" LOG_SOFTMAX "));
        assertEquals(Op.LOGSUMEXP, Op.parse("logsumexp"));
        for (Op op : Op.values()) {
            assertEquals(op, Op.parse(op.cliName()));
            assertEquals(op, Op.parse(op.name()));
        }
    }

    @Test
    void unknownOrNullNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Op.parse("softplus"));
        assertTrue(e.getMessage().startsWith("unknown op 'softplus'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Op.parse(null));
    }

    @Test
    void kinds() {
        assertTrue(Op.SIGMOID.isElementwise() && !Op.SIGMOID.isReducing());
        assertTrue(Op.ARGMAX.isReducing() && Op.LOGSUMEXP.isReducing() && !Op.SOFTMAX.isReducing());
    }
}
