package dev.softmaxengine.models;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.bayes.MultinomialNaiveBayes;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.TabularCsv;
import dev.softmaxengine.models.linear.LinearTrainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchScorerTest {
    private static SoftmaxKernel kernel;

    @BeforeAll
    static void kernel() {
        kernel = Backends.create();
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    @Test
    void streamingAFileAgreesWithEvaluatingItInMemory() throws IOException {
        Path file = TestSupport.sharedData("tabular/digits.csv.gz");
        Dataset all = TabularCsv.read(file);
        Classifier model = new LinearTrainer(kernel).alpha(1).maxIterations(30).softmax(all.holdOutEvery(5).train()).model();
        Evaluation inMemory = Evaluation.of(model, all);

        List<Long> progress = new ArrayList<>();
        long[] sunk = {0};
        BatchScorer.Summary s;
        try (TabularCsv csv = TabularCsv.open(file)) {
            s = new BatchScorer(model, 100).score(csv, (done, total) -> {
                assertEquals(-1, total, "digits declares no row count");
                progress.add(done);
            }, (rows, labels, predicted, p) -> {
                for (int i = 0; i < rows; i++) {
                    double sum = 0;
                    int best = 0;
                    for (int c = 0; c < 10; c++) {
                        sum += p[i * 10 + c];
                        best = p[i * 10 + c] > p[i * 10 + best] ? c : best;
                    }
                    // Float32 probabilities: each within the kernel's float32 softmax bound, rtol 1.5e-5.
                    assertEquals(1, sum, 1.5e-5);
                    assertEquals(best, predicted[i]);
                }
                sunk[0] += rows;
            });
        }
        assertEquals(1797, s.rows());
        assertEquals(1797, sunk[0]);
        assertEquals(inMemory.correct(), s.correct());
        assertEquals(18, progress.size());
        assertEquals(1797L, progress.getLast());
        assertTrue(s.rowsPerSecond() > 0 && s.scoringSeconds() <= s.seconds());
    }

    @Test
    void aSourceOfAnotherWidthIsRejected() throws IOException {
        Dataset iris = TestSupport.tabular("iris.csv");
        Classifier model = MultinomialNaiveBayes.fit(kernel, iris, 1);
        try (TabularCsv csv = TabularCsv.open(TestSupport.sharedData("tabular/wine_data.csv"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BatchScorer(model, 10).score(csv, null, null));
            assertEquals("source has 13 features, the model reads 4", e.getMessage());
        }
    }

    @Test
    void evaluationCountsAndConfusesCorrectly() {
        Dataset iris = TestSupport.tabular("iris.csv");
        Evaluation e = Evaluation.of(MultinomialNaiveBayes.fit(kernel, iris, 1), iris);
        int diagonal = 0;
        int total = 0;
        for (int t = 0; t < 3; t++) {
            for (int p = 0; p < 3; p++) {
                total += e.confusion()[t][p];
                diagonal += t == p ? e.confusion()[t][p] : 0;
            }
        }
        assertEquals(150, total);
        assertEquals(e.correct(), diagonal);
        assertTrue(e.logLoss() > 0 && Double.isFinite(e.logLoss()));
    }
}
