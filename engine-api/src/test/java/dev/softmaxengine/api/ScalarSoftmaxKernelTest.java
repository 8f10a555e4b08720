package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The oracle against values known from outside this code: textbook examples and closed forms. */
class ScalarSoftmaxKernelTest {
    private final SoftmaxKernel kernel = new ScalarSoftmaxKernel();

    private static Tensor vector(DType dtype, double... x) {
        if (dtype == DType.FLOAT64) {
            return Tensor.vector(x.clone());
        }
        float[] f = new float[x.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) x[i];
        }
        return Tensor.vector(f);
    }

    private static double[] values(Tensor t) {
        double[] v = new double[Math.toIntExact(t.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.get(i);
        }
        return v;
    }

    /** Relative error bound: an fp64 result within a few ulps, a float32 one within its rounding. */
    private static double rel(DType dtype) {
        return dtype == DType.FLOAT32 ? 0x1p-23 : 0x1p-50;
    }

    /** The worked example of the softmax article: printed to 2 significant digits. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void textbookExample(DType dtype) {
        Tensor out = vector(dtype, new double[6]);
        kernel.softmax(vector(dtype, 0.6, 1.1, -1.5, 1.2, 3.2, -1.1), out);
        double[] printed = {0.055, 0.090, 0.0067, 0.10, 0.74, 0.010};
        double[] halfUnit = {0.0005, 0.0005, 0.00005, 0.005, 0.005, 0.0005};
        double[] y = values(out);
        for (int i = 0; i < printed.length; i++) {
            assertEquals(printed[i], y[i], halfUnit[i], "softmax element " + i);
        }
    }

    /** Weights 20, 25, 15, 4 in log space: the log partition function is log(64). */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void logSumExpOfLogWeightsIsTheLogOfTheirSum(DType dtype) {
        double[] phi = {20, 25, 15, 4};
        double[] logPhi = new double[4];
        for (int i = 0; i < 4; i++) {
            logPhi[i] = Math.log(phi[i]);
        }
        Tensor out = vector(dtype, 0);
        kernel.logSumExp(vector(dtype, logPhi), out.reshape(), 0, false);
        assertEquals(Math.log(64), out.get(0), rel(dtype) * Math.log(64));
        // The softmax of log weights is the weights normalized: 20/64, 25/64, 15/64, 4/64.
        Tensor p = vector(dtype, new double[4]);
        kernel.softmax(vector(dtype, logPhi), p);
        for (int i = 0; i < 4; i++) {
            assertEquals(phi[i] / 64, p.get(i), 4 * rel(dtype) * phi[i] / 64);
        }
    }

    /** log sigmoid(x) = -log(1 + e^-x): 0 for huge x, x itself for hugely negative x, -ln 2 at 0. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void logSigmoidForHugeArguments(DType dtype) {
        double e40 = 4.248354255291589e-18; // e^-40
        double[] x = {1e300, 1e30, 1000, 40, 0, -40, -1000, -1e30, -1e300};
        double[] expected = {0, 0, 0, -e40, -0.6931471805599453, -40, -1000, -1e30, -1e300};
        if (dtype == DType.FLOAT32) {
            // float32 holds neither 1e300 nor -1e300; they round to the infinities.
            x[0] = Double.POSITIVE_INFINITY;
            x[8] = Double.NEGATIVE_INFINITY;
            expected[8] = Double.NEGATIVE_INFINITY;
        }
        Tensor out = vector(dtype, new double[x.length]);
        kernel.logSigmoid(vector(dtype, x), out);
        double[] y = values(out);
        for (int i = 0; i < x.length; i++) {
            double ref = dtype == DType.FLOAT32 ? (float) expected[i] : expected[i];
            assertEquals(ref, y[i], rel(dtype) * Math.abs(ref), "log-sigmoid(" + x[i] + ")");
        }
        if (dtype == DType.FLOAT64) {
            assertEquals(-1e300, ScalarSoftmaxKernel.logSigmoid(-1e300));
            assertEquals(0.0, ScalarSoftmaxKernel.logSigmoid(1e300));
        }
    }

    /** sigmoid(0) = 1/2, sigmoid(+-ln 3) = 3/4 and 1/4, sigmoid(-40) = e^-40 / (1 + e^-40). */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void sigmoidKnownValues(DType dtype) {
        double[] x = {0, Math.log(3), -Math.log(3), -40, 40, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] expected = {0.5, 0.75, 0.25, 4.248354255291589e-18, 1, 1, 0};
        Tensor out = vector(dtype, new double[x.length]);
        kernel.sigmoid(vector(dtype, x), out);
        double[] y = values(out);
        assertEquals(0.5, y[0]);
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], y[i], 2 * rel(dtype) * expected[i], "sigmoid(" + x[i] + ")");
        }
        assertEquals(0.5, ScalarSoftmaxKernel.sigmoid(0));
    }

    /** softmax over axis 0 of a [3, 2] tensor is softmax of each column. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void stridedAxisIsSoftmaxOfEachColumn(DType dtype) {
        Tensor out = vector(dtype, new double[6]).reshape(3, 2);
        kernel.softmax(vector(dtype, 0, 5, Math.log(2), 5, Math.log(5), 5).reshape(3, 2), out, 0);
        double[] y = values(out);
        double[] expected = {0.125, 1 / 3.0, 0.25, 1 / 3.0, 0.625, 1 / 3.0};
        for (int i = 0; i < 6; i++) {
            assertEquals(expected[i], y[i], 4 * rel(dtype), "element " + i);
        }
    }

    /** Temperature 3.7 on [1.7e308, -1.7e308]: (x - max) overflows, (x - max) / T does not. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void temperatureKeepsAFiniteScaledDifferenceFinite(DType dtype) {
        double big = dtype == DType.FLOAT32 ? Float.MAX_VALUE : 1.7e308;
        Tensor out = vector(dtype, 0, 0);
        kernel.logSoftmax(vector(dtype, big, -big), out, -1, 3.7);
        // -2 * big / 3.7, scaled before doubling so that the expectation itself does not overflow.
        double expected = -2 * ((dtype == DType.FLOAT32 ? (double) (float) big : big) / 3.7);
        assertTrue(Double.isFinite(expected));
        assertEquals(0.0, out.get(0));
        assertEquals(expected, out.get(1), rel(dtype) * Math.abs(expected));
        kernel.softmax(vector(dtype, big, -big), out, -1, 3.7);
        assertArrayEquals(new double[] {1, 0}, values(out));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void hardmaxAndArgmaxOfTheTextbookExample(DType dtype) {
        Tensor x = vector(dtype, 0.6, 1.1, -1.5, 1.2, 3.2, -1.1);
        Tensor out = vector(dtype, new double[6]);
        kernel.hardmax(x, out, -1);
        assertArrayEquals(new double[] {0, 0, 0, 0, 1, 0}, values(out));
        int[] idx = new int[1];
        kernel.argmax(x, idx, 0);
        assertEquals(4, idx[0]);
        assertTrue(kernel.device().contains("fp64"));
    }
}
