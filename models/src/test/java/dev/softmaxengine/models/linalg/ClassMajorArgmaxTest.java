package dev.softmaxengine.models.linalg;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link ClassMajorArgmax} gives the scalar kernel's argmax over axis 0, adversarial values included. */
class ClassMajorArgmaxTest {

    @Test
    void sameAsTheKernelsArgmaxOnAdversarialColumns() {
        Random rnd = TestSupport.random("ClassMajorArgmaxTest");
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f, 0f, -0f, 1f, 1f};
        try (SoftmaxKernel scalar = Backends.create("scalar")) {
            for (int n : new int[] {1, 2, 3, 10, 17}) {
                for (int m : new int[] {0, 1, 15, 16, 17, 33, 100}) {
                    float[] c = new float[n * m];
                    for (int i = 0; i < c.length; i++) {
                        // Few distinct values, so that ties, NaN after NaN and -inf columns all occur.
                        c[i] = rnd.nextInt(4) == 0 ? specials[rnd.nextInt(specials.length)] : rnd.nextInt(3);
                    }
                    if (m > 0) {
                        for (int j = 0; j < n; j++) {
                            c[j * m] = Float.NEGATIVE_INFINITY; // an all -inf row
                        }
                    }
                    int[] ours = new int[m];
                    ClassMajorArgmax.argmax(c, n, m, ours);
                    int[] theirs = new int[m];
                    scalar.argmax(HostTensors.matrix(c, n, m), theirs, 0);
                    assertArrayEquals(theirs, ours, "n=" + n + " m=" + m);
                    int[] plain = new int[m];
                    ClassMajorArgmax.scalar(c, n, m, plain, 0, m);
                    assertArrayEquals(theirs, plain, "plain loop, n=" + n + " m=" + m);
                }
            }
        }
    }

    @Test
    void badArgumentsAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassMajorArgmax.argmax(new float[5], 2, 3, new int[3]));
        assertEquals("c has 5 elements, 2 x 3 needs 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClassMajorArgmax.argmax(new float[6], 2, 3, new int[2]));
        assertEquals("out has 2 elements, needs 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClassMajorArgmax.argmax(new float[6], 0, 3, new int[3]));
        assertEquals("n must be >= 1 and m >= 0, were 0, 3", e.getMessage());
    }
}
