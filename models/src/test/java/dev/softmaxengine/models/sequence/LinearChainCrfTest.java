package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.optim.Lbfgs;
import dev.softmaxengine.testkit.TestSeed;

import dev.softmaxengine.models.io.ModelFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearChainCrfTest {
    private static SoftmaxKernel kernel;
    private static ChainInference inference;

    @BeforeAll
    static void open() {
        kernel = Backends.create();
        inference = new ChainInference(kernel, 2, 4);
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    private record Data(List<String[]> words, List<String[]> labels) {
    }

    /** Sentences over a 5-word vocabulary where the label depends on the word and on its left neighbour. */
    private static Data tinyData(SplittableRandom r, int sentences, int maxLength) {
        String[] vocab = {"a", "b", "c", "d", "e"};
        List<String[]> words = new ArrayList<>();
        List<String[]> labels = new ArrayList<>();
        for (int n = 0; n < sentences; n++) {
            int len = 1 + r.nextInt(maxLength);
            String[] w = new String[len];
            String[] y = new String[len];
            for (int t = 0; t < len; t++) {
                int v = r.nextInt(vocab.length);
                w[t] = vocab[v];
                y[t] = v < 2 ? "X" : (t > 0 && y[t - 1].equals("X")) ? "Y" : "Z";
            }
            words.add(w);
            labels.add(y);
        }
        return new Data(words, labels);
    }

    private static final FeatureTemplate TINY = FeatureTemplate.parse("bias w[0] w[-1] w[0]|w[1]");

    /** Enumerates every labelling: sum_n (log Z_n - score(y_n)) + l2/2 |w|^2, independent of the chain code. */
    private static double bruteObjective(CrfTrainer.Index ix, double[] w, double l2) {
        int k = ix.states();
        int tr = ix.featureLabel.length;
        double f = 0;
        for (LinearChainCrf.Encoded x : ix.data) {
            int len = x.length();
            int paths = (int) Math.pow(k, len);
            double[] scores = new double[paths];
            int[] y = new int[len];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < paths; p++) {
                for (int t = len - 1, q = p; t >= 0; t--, q /= k) {
                    y[t] = q % k;
                }
                scores[p] = pathScore(ix, x, y, w, k, tr);
                max = Math.max(max, scores[p]);
            }
            double sum = 0;
            for (double s : scores) {
                sum += Math.exp(s - max);
            }
            f += max + Math.log(sum) - pathScore(ix, x, x.labels(), w, k, tr);
        }
        for (double v : w) {
            f += 0.5 * l2 * v * v;
        }
        return f;
    }

    private static double pathScore(CrfTrainer.Index ix, LinearChainCrf.Encoded x, int[] y, double[] w, int k, int tr) {
        double s = w[tr + k * k + y[0]] + w[tr + k * k + k + y[y.length - 1]];
        for (int t = 0; t < y.length; t++) {
            if (t > 0) {
                s += w[tr + y[t - 1] * k + y[t]];
            }
            for (int p = x.start()[t]; p < x.start()[t + 1]; p++) {
                int a = x.attrs()[p];
                for (int f = ix.featureStart[a]; f < ix.featureStart[a + 1]; f++) {
                    if (ix.featureLabel[f] == y[t]) {
                        s += w[f];
                    }
                }
            }
        }
        return s;
    }

    @Test
    void objectiveMatchesEnumerationAndGradientMatchesFiniteDifferences() {
        SplittableRandom r = TestSeed.random("LinearChainCrfTest.gradient");
        Data d = tinyData(r, 9, 5);
        CrfTrainer.Index ix = CrfTrainer.index(TINY, d.words, null, d.labels, 1);
        double l2 = 0.3;
        CrfTrainer.Objective objective = new CrfTrainer.Objective(inference, ix, l2);
        double[] w = r.doubles(ix.parameters(), -1, 1).toArray();
        double[] g = new double[w.length];
        double f = objective.valueAndGradient(w, g);
        assertEquals(bruteObjective(ix, w, l2), f, 1e-9 * Math.abs(f), "objective vs enumeration");
        double h = 1e-5;
        double[] scratch = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            double keep = w[i];
            w[i] = keep + h;
            double up = objective.valueAndGradient(w, scratch);
            w[i] = keep - h;
            double down = objective.valueAndGradient(w, scratch);
            w[i] = keep;
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, g[i], 1e-6 * Math.max(1, Math.abs(numeric)), "gradient coordinate " + i + " of " + w.length);
        }
    }

    @Test
    void learnsATinyLanguageExactly() {
        SplittableRandom r = TestSeed.random("LinearChainCrfTest.learn");
        Data train = tinyData(r, 60, 8);
        Data test = tinyData(r, 20, 8);
        CrfTrainer.Result fit = CrfTrainer.train(inference, TINY, train.words, null, train.labels,
                new CrfTrainer.Options(0.1, 200, 1e-9, 1), null);
        assertTrue(fit.optimization().termination() != Lbfgs.Termination.MAX_ITERATIONS, "L-BFGS did not converge");
        assertEquals(3, fit.model().labels().size());
        List<String[]> guess = fit.model().tag(inference, test.words, null);
        for (int n = 0; n < guess.size(); n++) {
            assertArrayEquals(test.labels.get(n), guess.get(n), "sentence " + n);
        }
        // Marginals are distributions whose argmax agrees with Viterbi on this easy data.
        double[][] m = fit.model().marginals(inference, test.words, null);
        int k = fit.model().labels().size();
        for (int n = 0; n < m.length; n++) {
            for (int t = 0; t < test.words.get(n).length; t++) {
                double sum = 0;
                int best = 0;
                for (int y = 0; y < k; y++) {
                    sum += m[n][t * k + y];
                    best = m[n][t * k + y] > m[n][t * k + best] ? y : best;
                }
                assertEquals(1.0, sum, 1e-12);
                assertEquals(test.labels.get(n)[t], fit.model().labels().get(best));
            }
        }
    }

    /**
     * The CI-sized real-data check: 300 CoNLL-2000 training sentences, 40 L-BFGS iterations, chunk
     * F1 on the full test set. Measured 0.8837; the floor allows for another backend's rounding
     * steering L-BFGS slightly differently in so few iterations.
     */
    @Test
    void chunksConll2000AfterAShortTraining() throws IOException {
        List<ConllSentence> train = Conll2000.train().subList(0, 300);
        List<ConllSentence> test = Conll2000.test();
        ChainInference inf = new ChainInference(kernel, 2, ChainInference.DEFAULT_BATCH_SIZE);
        CrfTrainer.Result fit = CrfTrainer.train(inf, FeatureTemplate.parse(FeatureTemplate.CHUNKING),
                train.stream().map(ConllSentence::words).toList(), train.stream().map(ConllSentence::pos).toList(),
                train.stream().map(ConllSentence::chunks).toList(), new CrfTrainer.Options(1.0, 40, 1e-7, 1), null);
        List<String[]> guess = fit.model().tag(inf, test.stream().map(ConllSentence::words).toList(),
                test.stream().map(ConllSentence::pos).toList());
        ChunkEvaluator.Result res = ChunkEvaluator.evaluate(test.stream().map(ConllSentence::chunks).toList(), guess);
        System.out.printf("CRF chunking, 300 training sentences, %d iterations: F1 %.4f%n",
                fit.optimization().iterations(), res.overall().f1());
        assertTrue(res.overall().f1() >= 0.87, res.report());
    }

    @Test
    void savedModelTagsConll2000TestIdentically(@TempDir Path dir) throws IOException {
        List<ConllSentence> train = Conll2000.train().subList(0, 300);
        List<ConllSentence> test = Conll2000.test();
        List<String[]> words = test.stream().map(ConllSentence::words).toList();
        List<String[]> pos = test.stream().map(ConllSentence::pos).toList();
        ChainInference inf = new ChainInference(kernel, 2, ChainInference.DEFAULT_BATCH_SIZE);
        LinearChainCrf model = CrfTrainer.train(inf, FeatureTemplate.parse(FeatureTemplate.CHUNKING),
                train.stream().map(ConllSentence::words).toList(), train.stream().map(ConllSentence::pos).toList(),
                train.stream().map(ConllSentence::chunks).toList(), new CrfTrainer.Options(1.0, 15, 1e-7, 1), null).model();
        Path file = dir.resolve("chunk.smx");
        model.save(file);
        LinearChainCrf fromPath = LinearChainCrf.load(file);
        LinearChainCrf fromBytes = LinearChainCrf.from(ModelFile.read(Files.readAllBytes(file)));
        assertEquals(model.template().toString(), fromPath.template().toString());
        assertEquals(model.labels(), fromPath.labels());
        assertEquals(model.attributes(), fromPath.attributes());
        assertEquals(model.parameters(), fromPath.parameters());
        List<String[]> expected = model.tag(inf, words, pos);
        List<String[]> actual = fromPath.tag(inf, words, pos);
        List<String[]> actualFromBytes = fromBytes.tag(inf, words, pos);
        for (int n = 0; n < words.size(); n++) {
            assertArrayEquals(expected.get(n), actual.get(n), "sentence " + n);
            assertArrayEquals(expected.get(n), actualFromBytes.get(n), "sentence " + n + " (from bytes)");
        }
        assertThrows(IllegalArgumentException.class, () -> LinearChainCrf.from(ModelFile.builder(HmmTagger.KIND).build()));
    }
}
