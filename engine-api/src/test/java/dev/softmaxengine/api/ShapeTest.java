package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapeTest {

    @Test
    void negativeDimensionIsRejectedNamingItsPlaceAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2L, -3L, 4L));
        assertTrue(e.getMessage().contains("dimension 1") && e.getMessage().contains("-3"), e.getMessage());
    }

    @Test
    void sizeBeyondLongIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(1L << 32, 1L << 32));
        assertTrue(e.getMessage().contains("Long.MAX_VALUE"), e.getMessage());
        assertEquals(Long.MAX_VALUE, Shape.of(Long.MAX_VALUE, 1L).size());
        // A zero dimension makes any product of the others valid.
        assertEquals(0, Shape.of(Long.MAX_VALUE, 0L, Long.MAX_VALUE).size());
    }

    @Test
    void nullIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Shape.of((long[]) null));
        assertThrows(IllegalArgumentException.class, () -> Shape.of((int[]) null));
    }

    @Test
    void sizeIsTheProductOfTheDimensions() {
        assertEquals(24, Shape.of(2, 3, 4).size());
        assertEquals(1, Shape.of().size());
        assertEquals(0, Shape.of(0).size());
        assertEquals(0, Shape.of(3, 0, 5).size());
        assertEquals(Shape.of(2L, 3L), Shape.of(2, 3));
    }

    @Test
    void negativeAxesCountFromTheEnd() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(2, s.normalizeAxis(-1));
        assertEquals(0, s.normalizeAxis(-3));
        assertEquals(1, s.normalizeAxis(1));
        assertEquals(4, s.dim(-1));
        assertEquals(2, s.dim(0));
    }

    @Test
    void axisOutOfRangeIsRejectedNamingTheRange() {
        Shape s = Shape.of(2, 3, 4);
        for (int bad : new int[] {3, -4, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.normalizeAxis(bad));
            assertTrue(e.getMessage().startsWith("axis must be in [-3, 2]") && e.getMessage().endsWith("was " + bad), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Shape.of().normalizeAxis(0));
        assertThrows(IllegalArgumentException.class, () -> Shape.of().normalizeAxis(-1));
    }

    @Test
    void outerAndInnerAreTheProductsAroundTheAxis() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(1, s.outer(0));
        assertEquals(12, s.inner(0));
        assertEquals(2, s.outer(1));
        assertEquals(4, s.inner(1));
        assertEquals(6, s.outer(2));
        assertEquals(1, s.inner(2));
    }

    @Test
    void reduceDropsOrKeepsTheAxis() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(Shape.of(2, 4), s.reduce(1, false));
        assertEquals(Shape.of(2, 1, 4), s.reduce(1, true));
        assertEquals(Shape.of(), Shape.of(7).reduce(0, false));
        assertEquals(Shape.of(1), Shape.of(7).reduce(0, true));
    }

    @Test
    void isImmutable() {
        long[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 99;
        s.dims()[1] = 99;
        assertArrayEquals(new long[] {2, 3}, s.dims());
    }

    @Test
    void equalityIsByDimensions() {
        assertEquals(Shape.of(2, 3), Shape.of(2, 3));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
        assertNotEquals(Shape.of(6), Shape.of(2, 3));
        assertEquals("[2, 3]", Shape.of(2, 3).toString());
    }
}
