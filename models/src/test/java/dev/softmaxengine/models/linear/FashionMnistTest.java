package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Evaluation;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.FashionMnist;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full Fashion-MNIST training: minutes of CPU, so only in the {@code full-data} profile
 * ({@code mvn -pl models test -Pfull-data}). Reads {@code -Dfashion.dir}, default
 * {@link FashionMnist#DEFAULT_DIR}; fails naming the path when the files are not there.
 */
@Tag("full-data")
class FashionMnistTest {
    /**
     * Chosen on a validation split (training rows 50 000..59 999, trained on the first 50 000): raw
     * [0, 1] pixels, alpha in {1, 5, 10, 30, 100, 300} gave 0.852, 0.856, 0.856, 0.850, 0.838, 0.820.
     */
    static final double ALPHA = 10;

    @Test
    void softmaxRegressionReachesTheTargetTestAccuracy() throws IOException {
        Path dir = Path.of(System.getProperty("fashion.dir", FashionMnist.DEFAULT_DIR.toString()));
        Dataset train = FashionMnist.read(dir, "train");
        Dataset test = FashionMnist.read(dir, "t10k");
        try (SoftmaxKernel kernel = Backends.create()) {
            LinearTrainer.Training<SoftmaxRegression> t = new LinearTrainer(kernel)
                    .alpha(ALPHA).standardize(false).tolerance(1e-9).maxIterations(1000)
                    .softmax(train);
            Evaluation e = Evaluation.of(t.model(), test);
            System.out.printf("Fashion-MNIST softmax regression on %s: test %s; %d iterations, %s, %.1f s%n",
                    kernel.backend(), e, t.optimization().iterations(), t.optimization().termination(), t.seconds());
            assertTrue(e.accuracy() >= 0.845, "test accuracy " + e.accuracy());
        }
    }
}
