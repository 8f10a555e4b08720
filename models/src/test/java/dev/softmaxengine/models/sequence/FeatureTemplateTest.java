package dev.softmaxengine.models.sequence;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureTemplateTest {

    @Test
    void extractsWindowsConjunctionsAndWordForms() {
        FeatureTemplate t = FeatureTemplate.parse("""
                bias w[0]   # the word itself
                w[-1]|w[0] pos[+1] lower[0] shape[0] suf2[0] pre3[1] pos[-2]|pos[2]
                """);
        assertEquals(9, t.size());
        assertTrue(t.needsPos());
        String[][] a = t.extract(new String[] {"The", "McDonald's", "barks"}, new String[] {"DT", "NNP", "VBZ"});
        assertEquals(List.of("bias=", "w[0]=The", "w[-1]|w[0]=<s>|The", "pos[1]=NNP", "lower[0]=the", "shape[0]=Xx",
                "suf2[0]=he", "pre3[1]=McD", "pos[-2]|pos[2]=<s>|VBZ"), List.of(a[0]));
        assertEquals("shape[0]=XxXx'x", a[1][5]);
        assertEquals("pos[-2]|pos[2]=<s>|</s>", a[1][8]);
        assertEquals("pos[-2]|pos[2]=DT|</s>", a[2][8]);
        assertEquals("pre3[1]=</s>", a[2][7]);
    }

    @Test
    void duplicateItemsCountOnceAndPosIsOptional() {
        FeatureTemplate t = FeatureTemplate.parse("w[0] w[+0] lower[1]");
        assertEquals(2, t.size());
        assertFalse(t.needsPos());
        assertEquals("lower[1]=b", t.extract(new String[] {"a", "B"}, null)[0][1]);
    }

    @Test
    void rejectsMalformedItemsByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureTemplate.parse("w[0] wrd[1]"));
        assertTrue(e.getMessage().contains("'wrd[1]'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FeatureTemplate.parse("suf0[0]"));
        assertThrows(IllegalArgumentException.class, () -> FeatureTemplate.parse("w[0]|"));
        assertThrows(IllegalArgumentException.class, () -> FeatureTemplate.parse("  # nothing\n"));
        FeatureTemplate pos = FeatureTemplate.parse("pos[0]");
        e = assertThrows(IllegalArgumentException.class, () -> pos.extract(new String[] {"a"}, null));
        assertTrue(e.getMessage().contains("pos"), e.getMessage());
    }
}
