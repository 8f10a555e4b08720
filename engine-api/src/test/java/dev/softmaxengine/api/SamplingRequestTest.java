package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.spi.OpRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The checks of top-k and sample requests, and the scalar oracle's semantics on small rows. */
class SamplingRequestTest {
    private static final Tensor IN = Tensor.of(new float[24], 2, 3, 4);

    private static void rejected(String expectedStart, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(expectedStart), "expected '" + expectedStart + "...', was: " + e.getMessage());
    }

    @Test
    void samplingParametersAreChecked() {
        rejected("temperature must be finite and >= 0", () -> new Sampling(-1, 0, 1, 0, 1));
        rejected("temperature must be finite and >= 0", () -> new Sampling(Double.NaN, 0, 1, 0, 1));
        rejected("temperature must be finite and >= 0", () -> new Sampling(Double.POSITIVE_INFINITY, 0, 1, 0, 1));
        rejected("topK must be >= 0", () -> new Sampling(1, -1, 1, 0, 1));
        rejected("topP must be in (0, 1]", () -> new Sampling(1, 0, 0, 0, 1));
        rejected("topP must be in (0, 1]", () -> new Sampling(1, 0, 1.5, 0, 1));
        rejected("topP must be in (0, 1]", () -> new Sampling(1, 0, Double.NaN, 0, 1));
        rejected("minP must be in [0, 1]", () -> new Sampling(1, 0, 1, -0.1, 1));
        rejected("minP must be in [0, 1]", () -> new Sampling(1, 0, 1, 1.01, 1));
        rejected("minP must be in [0, 1]", () -> new Sampling(1, 0, 1, Double.NaN, 1));
    }

    @Test
    void topKRequestsAreChecked() {
        Tensor values = Tensor.of(new float[12], 2, 3, 2);
        Tensor indices = Tensor.of(new int[12], 2, 3, 2);
        OpRequest r = OpRequest.topK(IN, values, indices, 2, -1);
        assertEquals(2, r.k());
        assertEquals(indices, r.secondOut().orElseThrow());
        rejected("k must be in [1, 4]", () -> OpRequest.topK(IN, values, indices, 0, -1));
        rejected("k must be in [1, 4]", () -> OpRequest.topK(IN, Tensor.of(new float[30], 2, 3, 5),
                Tensor.of(new int[30], 2, 3, 5), 5, -1));
        rejected("values has shape [2, 3, 2], top-k of [2, 3, 4] with k 2 over axis 0 needs [2, 3, 4]",
                () -> OpRequest.topK(IN, values, indices, 2, 0));
        rejected("indices has dtype FLOAT32", () -> OpRequest.topK(IN, values, values, 2, -1));
        rejected("values has dtype FLOAT64", () -> OpRequest.topK(IN, Tensor.of(new double[12], 2, 3, 2), indices, 2, -1));
        rejected("indices has shape [12]", () -> OpRequest.topK(IN, values, Tensor.of(new int[12], 12), 2, -1));
        rejected("values overlaps in", () -> OpRequest.topK(IN, IN, Tensor.of(new int[24], 2, 3, 4), 4, -1));
        rejected("indices must not be null", () -> OpRequest.topK(IN, values, null, 2, -1));
        rejected("axis must be in [-3, 2]", () -> OpRequest.topK(IN, values, indices, 2, 3));
        // The other ops take neither k nor sampling.
        OpRequest softmax = OpRequest.of(Op.SOFTMAX, IN, Tensor.of(new float[24], 2, 3, 4));
        assertThrows(IllegalStateException.class, softmax::k);
        assertThrows(IllegalStateException.class, softmax::sampling);
        assertTrue(softmax.secondOut().isEmpty());
        rejected("top-k takes its own parameters", () -> OpRequest.of(Op.TOP_K, IN, values));
        rejected("sample takes its own parameters", () -> OpRequest.of(Op.SAMPLE, IN, indices));
    }

    @Test
    void sampleRequestsAreChecked() {
        Tensor indices = Tensor.of(new int[6], 2, 3);
        Sampling s = Sampling.of(1, 7);
        OpRequest r = OpRequest.sample(IN, indices, null, s);
        assertEquals(s, r.sampling());
        assertTrue(r.secondOut().isEmpty());
        assertThrows(IllegalStateException.class, r::k);
        rejected("topK must be at most the row length 4", () -> OpRequest.sample(IN, indices, null,
                new Sampling(1, 5, 1, 0, 7)));
        rejected("indices has dtype FLOAT32", () -> OpRequest.sample(IN, Tensor.of(new float[6], 2, 3), null, s));
        rejected("indices has shape [6], sample of [2, 3, 4] needs [2, 3]",
                () -> OpRequest.sample(IN, Tensor.of(new int[6], 6), null, s));
        rejected("logProbs has dtype FLOAT64", () -> OpRequest.sample(IN, indices, Tensor.of(new double[6], 2, 3), s));
        rejected("sampling must not be null", () -> OpRequest.sample(IN, indices, null, null));
        rejected("sample of [2, 0]: the rows are empty", () -> OpRequest.sample(Tensor.of(new float[0], 2, 0),
                Tensor.of(new int[2], 2), null, s));
        rejected("in has rank 0", () -> OpRequest.sample(Tensor.of(new float[1]), Tensor.of(new int[1]), null, s));
    }

    /**
     * 16-bit inputs: top-k writes 16-bit values (the input's bits, a signaling NaN's too), sample
     * 16-bit log-probabilities; INT32 is no input of either.
     */
    @Test
    void sixteenBitInputsTakeSixteenBitValueOutputs() {
        for (DType half : DType.halves()) {
            // A signaling NaN (quiet bit clear), the largest entry, then -0.0 and 0.0 tied.
            short snan = half == DType.BFLOAT16 ? (short) 0x7f81 : (short) 0x7c01;
            short negZero = (short) 0x8000;
            short one = Half.fromFloat(half, 1);
            short[] bits = {negZero, one, snan, 0};
            short[] values = new short[3];
            int[] indices = new int[3];
            new ScalarSoftmaxKernel().topK(Tensor.of(bits, half, 4), Tensor.of(values, half, 3), Tensor.of(indices, 3), 3, 0);
            assertEquals("[2, 1, 0]", java.util.Arrays.toString(indices), half.toString());
            assertEquals(java.util.Arrays.toString(new short[] {snan, one, negZero}), java.util.Arrays.toString(values));
            Tensor in = Tensor.of(new short[24], half, 2, 3, 4);
            rejected("values has dtype FLOAT32, top-k of " + half + " writes " + half,
                    () -> OpRequest.topK(in, Tensor.of(new float[12], 2, 3, 2), Tensor.of(new int[12], 2, 3, 2), 2, -1));
            rejected("k must be in [1, 4]", () -> OpRequest.topK(in, Tensor.of(new short[30], half, 2, 3, 5),
                    Tensor.of(new int[30], 2, 3, 5), 5, -1));
            rejected("logProbs has dtype FLOAT32, sample writes " + half, () -> OpRequest.sample(in,
                    Tensor.of(new int[6], 2, 3), Tensor.of(new float[6], 2, 3), Sampling.of(1, 7)));
            OpRequest r = OpRequest.sample(in, Tensor.of(new int[6], 2, 3), Tensor.of(new short[6], half, 2, 3),
                    Sampling.of(1, 7));
            assertEquals(half, r.secondOut().orElseThrow().dtype());
        }
        rejected("in has dtype INT32; top-k reads FLOAT32, FLOAT64, BFLOAT16 or FLOAT16",
                () -> OpRequest.topK(Tensor.of(new int[4], 4), Tensor.of(new int[2], 2), Tensor.of(new int[2], 2), 2, -1));
        rejected("in has dtype INT32; sample reads FLOAT32, FLOAT64, BFLOAT16 or FLOAT16",
                () -> OpRequest.sample(Tensor.of(new int[4], 4), Tensor.of(new int[1]), null, Sampling.of(1, 7)));
    }

    @Test
    void scalarTopKSortsDescendingWithTiesToTheLowerIndexAndNanFirst() {
        float[] x = {1, 3, Float.NaN, 3, -0.0f, 0.0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        float[] values = new float[8];
        int[] indices = new int[8];
        new ScalarSoftmaxKernel().topK(Tensor.of(x, 8), Tensor.of(values, 8), Tensor.of(indices, 8), 8, 0);
        assertEquals(java.util.Arrays.toString(new int[] {2, 7, 1, 3, 0, 4, 5, 6}), java.util.Arrays.toString(indices));
        assertTrue(Float.isNaN(values[0]));
        assertEquals(Float.POSITIVE_INFINITY, values[1]);
    }

    @Test
    void scalarSampleHasNoDrawForRowsWithoutADistribution() {
        float nan = Float.NaN;
        float inf = Float.POSITIVE_INFINITY;
        float[] x = {0, nan, 1, 2, inf, 1, -inf, -inf, -inf, 5, 1, 5};
        int[] indices = new int[4];
        float[] logProbs = new float[4];
        ScalarSoftmaxKernel k = new ScalarSoftmaxKernel();
        k.sample(Tensor.of(x, 4, 3), Tensor.of(indices, 4), Tensor.of(logProbs, 4), Sampling.of(1, 3));
        assertEquals(-1, indices[0]);
        assertEquals(-1, indices[1]);
        assertEquals(-1, indices[2]);
        assertTrue(indices[3] == 0 || indices[3] == 2, "drew " + indices[3]);
        assertTrue(Float.isNaN(logProbs[0]) && Float.isNaN(logProbs[1]) && Float.isNaN(logProbs[2]));
        // At temperature 0 the draw is argmax: +inf and all -inf have one; NaN still draws none.
        k.sample(Tensor.of(x, 4, 3), Tensor.of(indices, 4), Tensor.of(logProbs, 4), Sampling.of(0, 3));
        assertEquals(java.util.Arrays.toString(new int[] {-1, 1, 0, 0}), java.util.Arrays.toString(indices));
        assertEquals(0, logProbs[3]);
    }
}
