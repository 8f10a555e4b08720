package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.spi.Philox;
import org.junit.jupiter.api.Test;

class PhiloxTest {

    /** Random123's kat_vectors for philox4x32 10: counter, key, expected output. */
    @Test
    void matchesRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                Philox.philox4x32(new int[] {0, 0, 0, 0}, new int[] {0, 0}));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.philox4x32(new int[] {-1, -1, -1, -1}, new int[] {-1, -1}));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.philox4x32(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                        new int[] {0xa4093822, 0x299f31d0}));
    }

    @Test
    void uniformIsTheFirstTwoWordsAs53Bits() {
        // seed 0, row 0 is the all-zero known answer: 0x6627e8d5 << 21 | 0xe169c58d >>> 11.
        long bits = (0x6627e8d5L << 21) | (0xe169c58dL >>> 11);
        assertEquals(bits * 0x1p-53, Philox.uniform(0, 0));
        // The key is the seed, the counter the row: each changes the draw.
        assertNotEquals(Philox.uniform(0, 1), Philox.uniform(0, 0));
        assertNotEquals(Philox.uniform(1, 0), Philox.uniform(0, 0));
        assertNotEquals(Philox.uniform(1L << 32, 0), Philox.uniform(0, 0));
        assertNotEquals(Philox.uniform(0, 1L << 32), Philox.uniform(0, 0));
    }

    @Test
    void uniformsAreUniform() {
        // 10 bins of 100000 rows: chi-square with 9 degrees of freedom below 27.88 (p = 0.001).
        int[] bins = new int[10];
        for (long row = 0; row < 100_000; row++) {
            double u = Philox.uniform(42, row);
            assertTrue(u >= 0 && u < 1, "u = " + u);
            bins[(int) (u * 10)]++;
        }
        double chi2 = 0;
        for (int b : bins) {
            chi2 += (b - 10_000.0) * (b - 10_000.0) / 10_000.0;
        }
        assertTrue(chi2 < 27.88, "chi-square " + chi2);
    }
}
