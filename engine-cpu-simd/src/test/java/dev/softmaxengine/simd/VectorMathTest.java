package dev.softmaxengine.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The polynomial exp's stated bounds (VectorMath javadoc): measured here over a dense sweep. */
class VectorMathTest {

    /** Distance in ulps of the float result from the correctly rounded fp64 exp. */
    private static double ulpsF(float got, double x) {
        double want = Math.exp(x);
        return Math.abs(got - want) / Math.ulp((float) want);
    }

    @Test
    void floatExpIsWithinTwoUlpsOnTheNonPositiveRange() {
        float[] xs = new float[FloatRows.L];
        float[] ys = new float[FloatRows.L];
        double worst = 0;
        // Every 97th float bit pattern in [-87.3, 0]: ~11M arguments, all exponents covered.
        int lo = Float.floatToRawIntBits(-0.0f);
        int hi = Float.floatToRawIntBits(-87.33f);
        int n = 0;
        for (int bits = lo; bits <= hi; bits += 97) {
            xs[n++] = Float.intBitsToFloat(bits);
            if (n == xs.length) {
                VectorMath.expNonPositive(FloatVector.fromArray(FloatRows.S, xs, 0)).intoArray(ys, 0);
                for (int i = 0; i < n; i++) {
                    worst = Math.max(worst, ulpsF(ys[i], xs[i]));
                }
                n = 0;
            }
        }
        assertTrue(worst <= 2.0, "float exp max error " + worst + " ulp");
    }

    @Test
    void doubleExpIsWithinTwoUlpsOnTheNonPositiveRange() {
        double[] xs = new double[DoubleRows.L];
        double[] ys = new double[DoubleRows.L];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        double worst = 0;
        for (int t = 0; t < 2_000_000 / xs.length; t++) {
            for (int i = 0; i < xs.length; i++) {
                // Uniform in magnitude classes: small, medium and near the underflow limit.
                xs[i] = -Math.abs(rnd.nextDouble() * Math.pow(10, rnd.nextInt(-8, 3))) % 708;
            }
            VectorMath.expNonPositive(DoubleVector.fromArray(DoubleRows.S, xs, 0)).intoArray(ys, 0);
            for (int i = 0; i < xs.length; i++) {
                double want = Math.exp(xs[i]);
                worst = Math.max(worst, Math.abs(ys[i] - want) / Math.ulp(want));
            }
        }
        assertTrue(worst <= 2.0, "double exp max error " + worst + " ulp");
    }

    @Test
    void logsAreWithinOneUlpOnSumsOfExps() {
        // Sums of exps lie in [1, columns]: every 13th float in [1, 2^20], and doubles over the same range.
        float[] xs = new float[FloatRows.L];
        float[] ys = new float[FloatRows.L];
        double worst = 0;
        int n = 0;
        for (int bits = Float.floatToRawIntBits(1f); bits <= Float.floatToRawIntBits(0x1p20f); bits += 13) {
            xs[n++] = Float.intBitsToFloat(bits);
            if (n == xs.length) {
                VectorMath.log(FloatVector.fromArray(FloatRows.S, xs, 0)).intoArray(ys, 0);
                for (int i = 0; i < n; i++) {
                    double want = Math.log(xs[i]);
                    worst = Math.max(worst, Math.abs(ys[i] - want) / Math.ulp((float) want));
                }
                n = 0;
            }
        }
        assertTrue(worst <= 1.0, "float log max error " + worst + " ulp");
        double[] dx = new double[DoubleRows.L];
        double[] dy = new double[DoubleRows.L];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        double dworst = 0;
        for (int t = 0; t < 1_000_000 / dx.length; t++) {
            for (int i = 0; i < dx.length; i++) {
                dx[i] = Math.pow(2, rnd.nextDouble(0, 20));
            }
            VectorMath.log(DoubleVector.fromArray(DoubleRows.S, dx, 0)).intoArray(dy, 0);
            for (int i = 0; i < dx.length; i++) {
                double want = Math.log(dx[i]);
                dworst = Math.max(dworst, Math.abs(dy[i] - want) / Math.ulp(want));
            }
        }
        assertTrue(dworst <= 1.0, "double log max error " + dworst + " ulp");
        // log(1) is exactly 0 and NaN stays NaN.
        xs[0] = 1f;
        xs[1] = Float.NaN;
        VectorMath.log(FloatVector.fromArray(FloatRows.S, xs, 0)).intoArray(ys, 0);
        assertEquals(0f, ys[0]);
        assertTrue(Float.isNaN(ys[1]));
        dx[0] = 1;
        dx[1] = Double.NaN;
        VectorMath.log(DoubleVector.fromArray(DoubleRows.S, dx, 0)).intoArray(dy, 0);
        assertEquals(0.0, dy[0]);
        assertTrue(Double.isNaN(dy[1]));
    }

    @Test
    void specialValues() {
        float[] x = new float[FloatRows.L];
        float[] y = new float[FloatRows.L];
        float[] specials = {0f, -0f, Float.NEGATIVE_INFINITY, Float.NaN, -87.4f, -1000f, -Float.MAX_VALUE, -Float.MIN_VALUE};
        System.arraycopy(specials, 0, x, 0, Math.min(specials.length, x.length));
        VectorMath.expNonPositive(FloatVector.fromArray(FloatRows.S, x, 0)).intoArray(y, 0);
        assertEquals(1f, y[0]);
        assertEquals(1f, y[1]);
        assertEquals(0f, y[2]);
        assertTrue(Float.isNaN(y[3]));
        assertEquals(0f, y[4], "below Float.MIN_NORMAL flushes to zero");
        assertEquals(0f, y[5]);
        assertEquals(0f, y[6]);
        assertEquals(1f, y[7]);

        double[] dx = new double[DoubleRows.L];
        double[] dy = new double[DoubleRows.L];
        double[] dspecials = {0, Double.NEGATIVE_INFINITY, Double.NaN, -709, -1e300, -Double.MIN_VALUE};
        System.arraycopy(dspecials, 0, dx, 0, Math.min(dspecials.length, dx.length));
        VectorMath.expNonPositive(DoubleVector.fromArray(DoubleRows.S, dx, 0)).intoArray(dy, 0);
        assertEquals(1.0, dy[0]);
        assertEquals(0.0, dy[1]);
        assertTrue(Double.isNaN(dy[2]));
        assertEquals(0.0, dy[3]);
        assertEquals(0.0, dy[4]);
        assertEquals(1.0, dy[5]);
    }
}
