package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ToleranceTest {

    @Test
    void boundIsAbsolutePlusRelative() {
        Tolerance t = new Tolerance(1e-3, 1e-6);
        assertTrue(t.accepts(1.001, 1.0));
        assertFalse(t.accepts(1.0011, 1.0));
        assertTrue(t.accepts(1e-6, 0));
        assertFalse(t.accepts(3e-6, 0));
    }

    @Test
    void nanAndInfinitiesMustMatchExactly() {
        Tolerance loose = new Tolerance(1, 1);
        assertTrue(loose.accepts(Double.NaN, Double.NaN));
        assertFalse(loose.accepts(0, Double.NaN));
        assertFalse(loose.accepts(Double.NaN, 0));
        assertTrue(loose.accepts(Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY));
        assertFalse(loose.accepts(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
        assertFalse(loose.accepts(-Double.MAX_VALUE, Double.NEGATIVE_INFINITY));
        assertFalse(loose.accepts(Double.POSITIVE_INFINITY, 1e308));
    }

    @Test
    void boundsMustBeNonNegativeNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Tolerance(-1, 0));
        assertEquals("rtol and atol must be >= 0, were -1.0, 0.0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Tolerance(0, Double.NaN));
    }

    @Test
    void theOracleIsExactInFp64AndRoundsOnceToFloat32() {
        ScalarSoftmaxKernel k = new ScalarSoftmaxKernel();
        assertEquals(new Tolerance(0, 0), k.tolerance(Op.SOFTMAX, DType.FLOAT64));
        assertEquals(new Tolerance(0x1p-24, 0x1p-149), k.tolerance(Op.LOG_SIGMOID, DType.FLOAT32));
    }
}
