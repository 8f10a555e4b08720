package example;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import java.util.Arrays;

/** The README's example: a softmax over each row of a 2 x 4 batch on the best usable backend. */
public final class SoftmaxExample {
    public static void main(String[] args) {
        float[] logits = {1, 2, 3, 4, 0, 0, 0, 0};
        try (SoftmaxKernel kernel = Backends.create()) {   // auto, or -Dsoftmax.backend=...
            float[] probs = kernel.softmax(logits, 4);     // rows of 4 columns
            System.out.println(kernel.backend() + " " + Arrays.toString(probs));
        }
    }
}
