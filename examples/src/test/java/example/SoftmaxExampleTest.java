package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import org.junit.jupiter.api.Test;

/** Surefire runs this with the two flags (argLine), on the class path: auto must find simd. */
class SoftmaxExampleTest {
    @Test
    void autoPicksSimdAndEachRowSumsToOne() {
        float[] logits = {1, 2, 3, 4, 0, 0, 0, 0};
        float[] probs;
        try (SoftmaxKernel kernel = Backends.create("auto")) {
            assertEquals("simd", kernel.backend());
            probs = kernel.softmax(logits, 4);
        }
        double sum = Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4);
        for (int j = 0; j < 4; j++) {
            assertEquals(Math.exp(j + 1) / sum, probs[j], 1e-6, "row 0, column " + j);
            assertEquals(0.25, probs[4 + j], 1e-7, "row 1, column " + j);
        }
    }
}
