package dev.softmaxengine.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The public entry is the kernels' exp, bit for bit, in the kernels' species (its bounds: VectorMathTest). */
class VectorExpTest {

    @Test
    void itIsTheKernelsExpInTheKernelsSpecies() {
        assertEquals(FloatRows.S, VectorExp.floatSpecies());
        assertEquals(DoubleRows.S, VectorExp.doubleSpecies());
        SplittableRandom random = new SplittableRandom(19);
        float[] xf = new float[FloatRows.L];
        double[] xd = new double[DoubleRows.L];
        for (int t = 0; t < 1000; t++) {
            for (int i = 0; i < xf.length; i++) {
                xf[i] = (float) (-random.nextDouble() * 90);
            }
            for (int i = 0; i < xd.length; i++) {
                xd[i] = -random.nextDouble() * 720;
            }
            FloatVector f = FloatVector.fromArray(FloatRows.S, xf, 0);
            DoubleVector d = DoubleVector.fromArray(DoubleRows.S, xd, 0);
            assertArrayEquals(VectorMath.expNonPositive(f).toArray(), VectorExp.expNonPositive(f).toArray());
            assertArrayEquals(VectorMath.expNonPositive(d).toArray(), VectorExp.expNonPositive(d).toArray());
        }
        float[] special = new float[FloatRows.L];
        special[0] = Float.NaN;
        special[1] = Float.NEGATIVE_INFINITY;
        float[] y = VectorExp.expNonPositive(FloatVector.fromArray(FloatRows.S, special, 0)).toArray();
        assertEquals(Float.NaN, y[0]);
        assertEquals(0f, y[1]);
        assertEquals(1f, y[2]);
    }
}
