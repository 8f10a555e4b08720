package dev.softmaxengine.models.bayes;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Classifiers;
import dev.softmaxengine.models.Evaluation;
import dev.softmaxengine.models.TestSupport;
import dev.softmaxengine.models.data.Dataset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NaiveBayesTest {
    private static SoftmaxKernel kernel;

    @TempDir
    Path dir;

    @BeforeAll
    static void kernel() {
        kernel = Backends.create();
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    // Two classes, three count features: class 0 rows (2,1,0), (1,1,0); class 1 row (0,1,3).
    private static final Dataset TOY = new Dataset(new float[] {2, 1, 0, 1, 1, 0, 0, 1, 3}, new int[] {0, 0, 1}, 3,
            List.of("a", "b"));

    @Test
    void multinomialPosteriorIsTheSoftmaxOfTheHandComputedLogJoint() {
        MultinomialNaiveBayes nb = MultinomialNaiveBayes.fit(kernel, TOY, 1.0);
        // Laplace: class 0 counts (3,2,0) + 1 over 5 + 3; class 1 counts (0,1,3) + 1 over 4 + 3.
        double[][] theta = {{4 / 8.0, 3 / 8.0, 1 / 8.0}, {1 / 7.0, 2 / 7.0, 4 / 7.0}};
        double[] prior = {2 / 3.0, 1 / 3.0};
        float[] x = {1, 0, 2};
        double[] joint = new double[2];
        for (int c = 0; c < 2; c++) {
            joint[c] = prior[c] * Math.pow(theta[c][0], 1) * Math.pow(theta[c][2], 2);
        }
        double[] p = new double[2];
        nb.probabilities(x, 0, 1, p);
        assertEquals(joint[0] / (joint[0] + joint[1]), p[0], 1e-14);
        assertEquals(joint[1] / (joint[0] + joint[1]), p[1], 1e-14);
        double[] s = new double[2];
        nb.scores(x, 0, 1, s);
        assertEquals(Math.log(joint[0]), s[0], 1e-14);
    }

    @Test
    void bernoulliPosteriorIsTheSoftmaxOfTheHandComputedLogJoint() {
        BernoulliNaiveBayes nb = BernoulliNaiveBayes.fit(kernel, TOY, 1.0, 0.5);
        // "on" counts: class 0 (2,2,0) of 2 rows, class 1 (0,1,1) of 1 row; p = (on + 1) / (n + 2).
        double[][] pOn = {{3 / 4.0, 3 / 4.0, 1 / 4.0}, {1 / 3.0, 2 / 3.0, 2 / 3.0}};
        double[] prior = {2 / 3.0, 1 / 3.0};
        float[] x = {0, 0.9f, 5};
        boolean[] on = {false, true, true};
        double[] joint = new double[2];
        for (int c = 0; c < 2; c++) {
            joint[c] = prior[c];
            for (int j = 0; j < 3; j++) {
                joint[c] *= on[j] ? pOn[c][j] : 1 - pOn[c][j];
            }
        }
        double[] p = new double[2];
        nb.probabilities(x, 0, 1, p);
        assertEquals(joint[0] / (joint[0] + joint[1]), p[0], 1e-14);
    }

    @Test
    void gaussianPosteriorIsTheSoftmaxOfTheHandComputedLogJoint() {
        float[] x = {1.5f, 1, 1};
        // Class 0: means (1.5, 1, 0), variances (0.25, 0, 0); class 1: one row, variances 0. The smoothing
        // adds 0.1 x the largest overall feature variance to each.
        GaussianNaiveBayes smooth = GaussianNaiveBayes.fit(kernel, TOY, 0.1);
        double largest = 0;
        double[][] col = {{2, 1, 0}, {1, 1, 1}, {0, 0, 3}};
        for (double[] v : col) {
            double m = (v[0] + v[1] + v[2]) / 3;
            largest = Math.max(largest, ((v[0] - m) * (v[0] - m) + (v[1] - m) * (v[1] - m) + (v[2] - m) * (v[2] - m)) / 3);
        }
        double eps = 0.1 * largest;
        double[][] mean = {{1.5, 1, 0}, {0, 1, 3}};
        double[][] var = {{0.25 + eps, eps, eps}, {eps, eps, eps}};
        double[] prior = {2 / 3.0, 1 / 3.0};
        double[] logJoint = new double[2];
        for (int c = 0; c < 2; c++) {
            logJoint[c] = Math.log(prior[c]);
            for (int j = 0; j < 3; j++) {
                double d = x[j] - mean[c][j];
                logJoint[c] += -0.5 * Math.log(2 * Math.PI * var[c][j]) - d * d / (2 * var[c][j]);
            }
        }
        double[] s = new double[2];
        smooth.scores(x, 0, 1, s);
        assertEquals(logJoint[0], s[0], 1e-12);
        assertEquals(logJoint[1], s[1], 1e-12);
        double[] p = new double[2];
        smooth.probabilities(x, 0, 1, p);
        double z = Math.log(Math.exp(logJoint[0]) + Math.exp(logJoint[1]));
        assertEquals(Math.exp(logJoint[1] - z), p[1], 1e-12);
        // Without smoothing the zero variances are floored, not divided by: a point on class 0's means is class 0.
        double[] q = new double[2];
        GaussianNaiveBayes.fit(kernel, TOY, 0).probabilities(new float[] {1.5f, 1, 0}, 0, 1, q);
        assertEquals(1.0, q[0], 1e-12);
    }

    @Test
    void accuraciesOnTheSharedTabularSets() {
        Dataset.Split digits = TestSupport.tabular("digits.csv.gz").holdOutEvery(5);
        Dataset.Split iris = TestSupport.tabular("iris.csv").holdOutEvery(5);
        Dataset.Split wine = TestSupport.tabular("wine_data.csv").holdOutEvery(5);
        Dataset.Split cancer = TestSupport.tabular("breast_cancer.csv").holdOutEvery(5);
        double multinomial = Evaluation.of(MultinomialNaiveBayes.fit(kernel, digits.train(), 1.0), digits.test()).accuracy();
        double bernoulli = Evaluation.of(BernoulliNaiveBayes.fit(kernel, digits.train(), 1.0, 4), digits.test()).accuracy();
        double gaussianDigits = Evaluation.of(GaussianNaiveBayes.fit(kernel, digits.train(), 1e-2), digits.test()).accuracy();
        double gaussianIris = Evaluation.of(GaussianNaiveBayes.fit(kernel, iris.train(), 1e-9), iris.test()).accuracy();
        double gaussianWine = Evaluation.of(GaussianNaiveBayes.fit(kernel, wine.train(), 1e-9), wine.test()).accuracy();
        double gaussianCancer = Evaluation.of(GaussianNaiveBayes.fit(kernel, cancer.train(), 1e-9), cancer.test()).accuracy();
        System.out.printf("naive Bayes: digits multinomial %.4f, bernoulli %.4f, gaussian %.4f; gaussian iris %.4f,"
                + " wine %.4f, breast cancer %.4f%n", multinomial, bernoulli, gaussianDigits, gaussianIris, gaussianWine, gaussianCancer);
        // Published-ballpark floors (scikit-learn on similar splits): a broken likelihood falls far below these.
        assertTrue(multinomial >= 0.88, "multinomial digits " + multinomial);
        assertTrue(bernoulli >= 0.82, "bernoulli digits " + bernoulli);
        assertTrue(gaussianIris >= 0.93, "gaussian iris " + gaussianIris);
        assertTrue(gaussianWine >= 0.93, "gaussian wine " + gaussianWine);
        assertTrue(gaussianCancer >= 0.90, "gaussian breast cancer " + gaussianCancer);
        assertTrue(gaussianDigits >= 0.75, "gaussian digits " + gaussianDigits);
    }

    @Test
    void modelsRoundTripThroughTheirFiles() throws IOException {
        Dataset.Split digits = TestSupport.tabular("digits.csv.gz").holdOutEvery(5);
        List<Classifier> models = List.of(MultinomialNaiveBayes.fit(kernel, digits.train(), 0.5),
                BernoulliNaiveBayes.fit(kernel, digits.train(), 1.0, 4), GaussianNaiveBayes.fit(kernel, digits.train(), 1e-3));
        for (Classifier m : models) {
            Path p = dir.resolve(m.kind() + ".smx");
            m.save(p);
            Classifier back = Classifiers.load(p, kernel);
            assertEquals(m.kind(), back.kind());
            int n = digits.test().rows();
            double[] a = new double[n * 10];
            double[] b = new double[n * 10];
            m.scores(digits.test().x(), 0, n, a);
            back.scores(digits.test().x(), 0, n, b);
            assertArrayEquals(a, b, 0, m.kind());
        }
    }

    @Test
    void badInputIsRejected() {
        Dataset negative = new Dataset(new float[] {1, -1}, new int[] {0, 1}, 1, List.of("a", "b"));
        assertEquals("multinomial naive Bayes needs counts >= 0; row 1 feature 0 is -1.0",
                assertThrows(IllegalArgumentException.class, () -> MultinomialNaiveBayes.fit(kernel, negative, 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MultinomialNaiveBayes.fit(kernel, TOY, 0));
        assertThrows(IllegalArgumentException.class, () -> BernoulliNaiveBayes.fit(kernel, TOY, 1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> GaussianNaiveBayes.fit(kernel, TOY, -1));
    }
}
