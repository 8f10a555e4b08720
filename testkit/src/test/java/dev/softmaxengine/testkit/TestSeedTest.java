package dev.softmaxengine.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class TestSeedTest {

    @Test
    void aLabelAlwaysGetsTheSameStream() {
        assertArrayEquals(TestSeed.random("case a").longs(8).toArray(), TestSeed.random("case a").longs(8).toArray());
    }

    @Test
    void labelsGetDifferentStreams() {
        assertFalse(Arrays.equals(TestSeed.random("case a").longs(8).toArray(), TestSeed.random("case b").longs(8).toArray()));
    }

    @Test
    void nullLabelIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TestSeed.random(null));
    }
}
