package dev.softmaxengine.bench;

import ai.onnxruntime.OrtException;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.OpRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX Runtime runs the hand-encoded model and agrees with the fp64 oracle. */
class OnnxSoftmaxModelTest {
    private static final double TOLERANCE = 1e-6;
    private static long seed;

    @BeforeAll
    static void seed() {
        String s = System.getProperty("tests.seed", "");
        seed = s.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(s);
        System.out.println("OnnxSoftmaxModelTest: -Dtests.seed=" + seed);
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1", "3, 5, 1", "7, 1000, 2", "2, 4099, 1", "33, 257, 2"})
    void matchesScalarOracle(long rows, long cols, int threads) throws OrtException {
        BenchShape shape = new BenchShape(rows, cols);
        SplittableRandom random = new SplittableRandom(seed ^ rows * 31 ^ cols);
        float[] x = new float[(int) shape.elements()];
        for (int i = 0; i < x.length; i++) {
            // Wide enough that a missing max subtraction would overflow exp in fp32.
            x[i] = (float) ((random.nextDouble() * 2 - 1) * 100);
        }
        float[] expected = new float[x.length];
        new ScalarSoftmaxKernel().softmax(Tensor.of(x, rows, cols), Tensor.of(expected, rows, cols));

        try (OnnxRuntimeSoftmax ort = new OnnxRuntimeSoftmax(shape, threads)) {
            ort.input().put(0, x);
            ort.run();
            FloatBuffer y = ort.output();
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(y.get(i) - expected[i]));
            }
            assertTrue(worst <= TOLERANCE, "max |ort - oracle| = " + worst + " on " + shape);

            // The session reads the bound input afresh on every run: a new input gives a new output.
            float[] shifted = x.clone();
            shifted[0] += 1;
            ort.input().put(0, shifted);
            ort.run();
            new ScalarSoftmaxKernel().softmax(Tensor.of(shifted, rows, cols), Tensor.of(expected, rows, cols));
            assertEquals(expected[0], y.get(0), TOLERANCE);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 1, 1", "3, 100, 50, 1", "4, 4099, 50, 2", "2, 64, 64, 1"})
    void topKMatchesScalarOracle(long rows, long cols, int k, int threads) throws OrtException {
        BenchShape shape = new BenchShape(rows, cols);
        SplittableRandom random = new SplittableRandom(seed ^ rows * 17 ^ cols);
        float[] x = new float[(int) shape.elements()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((random.nextDouble() * 2 - 1) * 8);
        }
        float[] values = new float[(int) (rows * k)];
        int[] indices = new int[values.length];
        try (ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel()) {
            oracle.execute(OpRequest.topK(Tensor.of(x, rows, cols), Tensor.of(values, rows, k), Tensor.of(indices, rows, k),
                    k, -1));
        }
        try (OnnxRuntimeTopK ort = new OnnxRuntimeTopK(shape, k, threads, false, true)) {
            ort.inputBytes().asFloatBuffer().put(0, x);
            ort.run();
            FloatBuffer v = ort.valueBytes().asFloatBuffer();
            LongBuffer idx = ort.indices();
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], v.get(i), "value " + i + " on " + shape + " k " + k);
                // Distinct random floats: no ties, so the indices are the oracle's too.
                assertEquals(indices[i], idx.get(i), "index " + i + " on " + shape + " k " + k);
            }
        }
    }

    @Test
    void topKRejectsAKOutsideTheRow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxSoftmaxModel.encodeTopK(2, 3, 4, false));
        assertEquals("k must be in [1, 3], was 4", e.getMessage());
    }

    @Test
    void encodesTheNegativeAxisAsATenByteVarint() {
        byte[] model = OnnxSoftmaxModel.encode(2, 3);
        // AttributeProto.i (field 3, varint): tag 0x18, then -1 as ten bytes of two's complement.
        byte[] axis = {0x18, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x01};
        assertTrue(indexOf(model, axis) >= 0, "axis = -1 not found in the encoded model");
    }

    @Test
    void rejectsEmptyDimensions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxSoftmaxModel.encode(0, 3));
        assertEquals("rows must be > 0, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnnxSoftmaxModel.encode(4, -1));
        assertEquals("cols must be > 0, was -1", e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
