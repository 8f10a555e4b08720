package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Classifiers;
import dev.softmaxengine.models.Evaluation;
import dev.softmaxengine.models.TestSupport;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.optim.DifferentiableFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearTrainerTest {
    private static SoftmaxKernel kernel;

    @TempDir
    Path dir;

    @BeforeAll
    static void kernel() {
        kernel = Backends.create();
        System.out.println("LinearTrainerTest backend: " + kernel.backend() + " (" + kernel.device() + ")");
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    private static Dataset random(Random rnd, int n, int d, int k) {
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (rnd.nextGaussian() + 0.7 * ((y[i] + j) % k));
            }
        }
        String[] names = new String[k];
        for (int c = 0; c < k; c++) {
            names[c] = "c" + c;
        }
        return new Dataset(x, y, d, List.of(names));
    }

    /** Central differences against the analytic gradient, component by component. */
    private static void checkGradient(DifferentiableFunction f, double[] at) {
        double[] g = new double[at.length];
        f.valueAndGradient(at, g);
        double[] scratch = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            double h = 1e-5 * Math.max(1, Math.abs(at[i]));
            double[] plus = at.clone();
            double[] minus = at.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (f.valueAndGradient(plus, scratch) - f.valueAndGradient(minus, scratch)) / (2 * h);
            assertEquals(numeric, g[i], 1e-6 * Math.max(1, Math.abs(numeric)), "d f / d theta[" + i + "]");
        }
    }

    @Test
    void softmaxGradientMatchesFiniteDifferences() {
        Random rnd = TestSupport.random("LinearTrainerTest.softmaxGradient");
        Dataset data = random(rnd, 300, 6, 4); // crosses a 256-row batch boundary
        double[] theta = new double[4 * 6 + 4];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = 0.5 * rnd.nextGaussian();
        }
        try (LinearTrainer.SoftmaxObjective f = new LinearTrainer.SoftmaxObjective(kernel, data, 0.3, 2)) {
            checkGradient(f, theta);
        }
    }

    @Test
    void logisticGradientMatchesFiniteDifferences() {
        Random rnd = TestSupport.random("LinearTrainerTest.logisticGradient");
        Dataset data = random(rnd, 300, 5, 2);
        double[] theta = new double[5 + 1];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = 0.5 * rnd.nextGaussian();
        }
        try (LinearTrainer.LogisticObjective f = new LinearTrainer.LogisticObjective(kernel, data, 0.3, 2)) {
            checkGradient(f, theta);
        }
    }

    @Test
    void theObjectiveIsBitForBitTheSameOnAnyNumberOfThreads() {
        Random rnd = TestSupport.random("LinearTrainerTest.threads");
        Dataset data = random(rnd, 5000, 8, 3);
        double[] theta = new double[3 * 8 + 3];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = rnd.nextGaussian();
        }
        double[] g1 = new double[theta.length];
        double[] g3 = new double[theta.length];
        double f1;
        double f3;
        try (LinearTrainer.SoftmaxObjective one = new LinearTrainer.SoftmaxObjective(kernel, data, 0.1, 1);
             LinearTrainer.SoftmaxObjective three = new LinearTrainer.SoftmaxObjective(kernel, data, 0.1, 3)) {
            f1 = one.valueAndGradient(theta, g1);
            f3 = three.valueAndGradient(theta, g3);
        }
        assertEquals(f1, f3, 0);
        assertArrayEquals(g1, g3, 0);
    }

    @Test
    void sigmoidIsTheFirstEntryOfTheTwoClassSoftmax() {
        double[] z = {-800, -40, -3.5, -1e-9, 0, 1e-9, 0.25, 2, 17, 40, 800};
        double[] sig = new double[z.length];
        kernel.sigmoid(Tensor.vector(z), Tensor.vector(sig));
        double[] pairs = new double[2 * z.length];
        for (int i = 0; i < z.length; i++) {
            pairs[2 * i] = z[i];
        }
        double[] soft = new double[pairs.length];
        kernel.softmax(Tensor.of(pairs, z.length, 2), Tensor.of(soft, z.length, 2), -1);
        for (int i = 0; i < z.length; i++) {
            assertEquals(soft[2 * i], sig[i], 1e-15 + 1e-14 * sig[i], "sigmoid(" + z[i] + ")");
        }
    }

    private static double accuracy(Classifier m, Dataset test) {
        return Evaluation.of(m, test).accuracy();
    }

    @Test
    void softmaxRegressionReachesTheTargetsOnIrisDigitsAndWine() {
        LinearTrainer trainer = new LinearTrainer(kernel).alpha(1e-2).tolerance(1e-10);
        Dataset.Split iris = TestSupport.tabular("iris.csv").holdOutEvery(5);
        LinearTrainer.Training<SoftmaxRegression> t = trainer.softmax(iris.train());
        double a = accuracy(t.model(), iris.test());
        System.out.printf("iris softmax: accuracy %.4f, %d iterations, %.3f s%n", a, t.optimization().iterations(), t.seconds());
        assertTrue(a >= 0.96, "iris accuracy " + a);

        Dataset.Split digits = TestSupport.tabular("digits.csv.gz").holdOutEvery(5);
        t = new LinearTrainer(kernel).alpha(1.0).tolerance(1e-9).softmax(digits.train());
        a = accuracy(t.model(), digits.test());
        System.out.printf("digits softmax: accuracy %.4f, %d iterations, %.3f s%n", a, t.optimization().iterations(), t.seconds());
        assertTrue(a >= 0.96, "digits accuracy " + a);

        Dataset.Split wine = TestSupport.tabular("wine_data.csv").holdOutEvery(5);
        t = trainer.softmax(wine.train());
        a = accuracy(t.model(), wine.test());
        System.out.printf("wine softmax: accuracy %.4f, %d iterations, %.3f s%n", a, t.optimization().iterations(), t.seconds());
        assertTrue(a >= 0.94, "wine accuracy " + a);
    }

    @Test
    void binaryAndTwoClassSoftmaxTrainersGiveTheSameDecisionOnBreastCancer() {
        // Softmax's penalty alpha(|w0|^2 + |w1|^2) is least at w1 = -w0 = delta/2, i.e. alpha/2 |delta|^2:
        // the binary model with alpha/2 has the same optimum delta = w1 - w0.
        Dataset.Split s = TestSupport.tabular("breast_cancer.csv").holdOutEvery(5);
        double alpha = 0.5;
        LinearTrainer.Training<SoftmaxRegression> soft = new LinearTrainer(kernel).alpha(alpha).tolerance(1e-13).softmax(s.train());
        LinearTrainer.Training<LogisticRegression> bin = new LinearTrainer(kernel).alpha(alpha / 2).tolerance(1e-13).logistic(s.train());
        Dataset test = s.test();
        double[] z = new double[test.rows()];
        bin.model().decision(test.x(), 0, test.rows(), z);
        double[] scores = new double[test.rows() * 2];
        soft.model().scores(test.x(), 0, test.rows(), scores);
        int[] pb = new int[test.rows()];
        int[] ps = new int[test.rows()];
        bin.model().predict(test.x(), 0, test.rows(), pb);
        soft.model().predict(test.x(), 0, test.rows(), ps);
        for (int i = 0; i < test.rows(); i++) {
            double delta = scores[2 * i + 1] - scores[2 * i];
            assertEquals(delta, z[i], 1e-4 * (1 + Math.abs(delta)), "log-odds of test row " + i);
        }
        assertArrayEquals(ps, pb);
        double a = accuracy(bin.model(), test);
        System.out.printf("breast cancer: logistic accuracy %.4f (%.3f s), softmax %.4f (%.3f s)%n",
                a, bin.seconds(), accuracy(soft.model(), test), soft.seconds());
        assertTrue(a >= 0.95, "breast cancer accuracy " + a);

        // The binary model's sigmoid probabilities equal the softmax of its scores [0, z].
        double[] viaSigmoid = new double[test.rows() * 2];
        bin.model().probabilities(test.x(), 0, test.rows(), viaSigmoid);
        double[] viaSoftmax = new double[test.rows() * 2];
        bin.model().scores(test.x(), 0, test.rows(), viaSoftmax);
        kernel.softmax(Tensor.of(viaSoftmax, test.rows(), 2), Tensor.of(viaSoftmax, test.rows(), 2), -1);
        assertArrayEquals(viaSoftmax, viaSigmoid, 1e-12);
    }

    @Test
    void trainedModelsRoundTripThroughTheirFiles() throws IOException {
        Dataset.Split s = TestSupport.tabular("breast_cancer.csv").holdOutEvery(5);
        LinearTrainer trainer = new LinearTrainer(kernel).alpha(0.1).maxIterations(50);
        for (Classifier m : List.of(trainer.softmax(s.train()).model(), trainer.logistic(s.train()).model())) {
            Path p = dir.resolve(m.kind() + ".smx");
            m.save(p);
            Classifier back = Classifiers.load(p, kernel);
            assertEquals(m.getClass(), back.getClass());
            assertEquals(m.classNames(), back.classNames());
            double[] a = new double[s.test().rows() * 2];
            double[] b = new double[a.length];
            m.probabilities(s.test().x(), 0, s.test().rows(), a);
            back.probabilities(s.test().x(), 0, s.test().rows(), b);
            assertArrayEquals(a, b, 0);
        }
    }

    @Test
    void badSettingsAndDataAreRejected() {
        LinearTrainer t = new LinearTrainer(kernel);
        assertEquals("alpha must be finite and >= 0, was -1.0",
                assertThrows(IllegalArgumentException.class, () -> t.alpha(-1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.threads(0));
        assertThrows(IllegalArgumentException.class, () -> t.maxIterations(0));
        Dataset iris = TestSupport.tabular("iris.csv");
        assertEquals("data must have exactly 2 classes for logistic regression, had 3; use softmax",
                assertThrows(IllegalArgumentException.class, () -> t.logistic(iris)).getMessage());
        SoftmaxRegression m = new SoftmaxRegression(kernel, new double[8], new double[2], List.of("a", "b"));
        assertEquals("x has 7 elements, rows [0, 2) of 4 features need 8",
                assertThrows(IllegalArgumentException.class, () -> m.scores(new float[7], 0, 2, new double[4])).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxRegression(kernel, new double[7], new double[2], List.of("a", "b")));
    }
}
