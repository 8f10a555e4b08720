package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.TestSeed;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HiddenMarkovModelTest {
    private static SoftmaxKernel kernel;

    @BeforeAll
    static void open() {
        kernel = Backends.create();
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    /** P(x) = sum over all state paths of pi(y0) B(y0, x0) prod A(y_{t-1}, y_t) B(y_t, x_t), in probability space. */
    private static double bruteLikelihood(double[] pi, double[][] a, double[][] b, int[] x, double[] marginals, int[] best) {
        int k = pi.length;
        int paths = (int) Math.pow(k, x.length);
        int[] y = new int[x.length];
        double total = 0;
        double bestP = -1;
        double[] joint = new double[paths];
        for (int p = 0; p < paths; p++) {
            for (int t = x.length - 1, q = p; t >= 0; t--, q /= k) {
                y[t] = q % k;
            }
            double prob = 1;
            for (int t = 0; t < x.length; t++) {
                prob *= (t == 0 ? pi[y[0]] : a[y[t - 1]][y[t]]) * b[y[t]][x[t]];
            }
            joint[p] = prob;
            total += prob;
            if (prob > bestP) {
                bestP = prob;
                System.arraycopy(y, 0, best, 0, y.length);
            }
        }
        for (int p = 0; p < paths; p++) {
            for (int t = x.length - 1, q = p; t >= 0; t--, q /= k) {
                marginals[t * k + q % k] += joint[p] / total;
            }
        }
        return total;
    }

    private static double pathProbability(double[] pi, double[][] a, double[][] b, int[] x, int[] y) {
        double prob = 1;
        for (int t = 0; t < x.length; t++) {
            prob *= (t == 0 ? pi[y[0]] : a[y[t - 1]][y[t]]) * b[y[t]][x[t]];
        }
        return prob;
    }

    private static double[] simplex(SplittableRandom r, int n) {
        double[] p = r.doubles(n, 0.05, 1).toArray();
        double s = 0;
        for (double v : p) {
            s += v;
        }
        for (int i = 0; i < n; i++) {
            p[i] /= s;
        }
        return p;
    }

    @Test
    void likelihoodPosteriorsAndViterbiMatchEnumeration() {
        SplittableRandom r = TestSeed.random("HiddenMarkovModelTest.enumeration");
        int k = 3;
        int v = 4;
        double[] pi = simplex(r, k);
        double[][] a = new double[k][];
        double[][] b = new double[k][];
        for (int i = 0; i < k; i++) {
            a[i] = simplex(r, k);
            b[i] = simplex(r, v);
        }
        HiddenMarkovModel hmm = HiddenMarkovModel.of(pi, a, b);
        int[][] xs = new int[9][];
        for (int n = 0; n < xs.length; n++) {
            xs[n] = r.ints(1 + r.nextInt(6), 0, v).toArray();
        }
        ChainInference inference = new ChainInference(kernel, 2, 4);
        double[] ll = hmm.logLikelihood(inference, xs);
        double[][] post = hmm.posteriors(inference, xs);
        int[][] paths = hmm.viterbi(inference, xs);
        for (int n = 0; n < xs.length; n++) {
            double[] m = new double[xs[n].length * k];
            int[] best = new int[xs[n].length];
            double p = bruteLikelihood(pi, a, b, xs[n], m, best);
            assertEquals(Math.log(p), ll[n], 1e-10 * Math.abs(Math.log(p)), "log-likelihood of sequence " + n);
            assertArrayEquals(m, post[n], 1e-10, "posteriors of sequence " + n);
            // Two paths may tie to the last bits (products of a few simplex entries), and then the
            // enumeration's product order and the kernel's log-space sums may pick either: the path
            // must be a most probable one, identical wherever the best is clear.
            double found = pathProbability(pi, a, b, xs[n], paths[n]);
            double bestP = pathProbability(pi, a, b, xs[n], best);
            if (Math.abs(found - bestP) > 1e-12 * bestP) {
                assertArrayEquals(best, paths[n], "Viterbi path of sequence " + n);
            }
        }
    }

    @Test
    void threadsAndBatchSizesDoNotChangeResults() {
        SplittableRandom r = TestSeed.random("HiddenMarkovModelTest.threads");
        HiddenMarkovModel hmm = HiddenMarkovModel.random(4, 6, r);
        int[][] xs = new int[50][];
        for (int n = 0; n < xs.length; n++) {
            xs[n] = r.ints(r.nextInt(30), 0, 6).toArray();
        }
        double[] one = hmm.logLikelihood(new ChainInference(kernel, 1, 64), xs);
        double[] many = hmm.logLikelihood(new ChainInference(kernel, 2, 3), xs);
        assertArrayEquals(one, many, 1e-9);
        assertArrayEquals(hmm.viterbi(new ChainInference(kernel, 1, 64), xs)[7],
                hmm.viterbi(new ChainInference(kernel, 2, 5), xs)[7]);
    }

    @Test
    void countingEstimatesAreSmoothedRelativeFrequencies() {
        int[][] x = {{0, 1, 1}, {2, 0}};
        int[][] y = {{0, 1, 1}, {1, 0}};
        HiddenMarkovModel hmm = HiddenMarkovModel.estimate(x, y, 2, 3, 1.0);
        // starts: state 0 once, state 1 once, +1 each over 2 + 2.
        assertEquals(Math.log(2.0 / 4), hmm.logStart(0), 1e-12);
        // transitions from 1: 1->1 once, 1->0 once; +1 each.
        assertEquals(Math.log(2.0 / 4), hmm.logTransition(1, 1), 1e-12);
        // from 0: 0->1 once: (1 + 1) / (1 + 2) and (0 + 1) / 3.
        assertEquals(Math.log(2.0 / 3), hmm.logTransition(0, 1), 1e-12);
        assertEquals(Math.log(1.0 / 3), hmm.logTransition(0, 0), 1e-12);
        // emissions of state 1: symbol 1 twice, symbol 2 once, over 3 + 3.
        assertEquals(Math.log(3.0 / 6), hmm.logEmission(1, 1), 1e-12);
        assertEquals(Math.log(1.0 / 6), hmm.logEmission(1, 0), 1e-12);
        HiddenMarkovModel ml = HiddenMarkovModel.estimate(x, y, 2, 3, 0.0);
        assertEquals(Double.NEGATIVE_INFINITY, ml.logEmission(0, 2));
    }

    @Test
    void baumWelchNeverDecreasesTheLikelihood() {
        SplittableRandom r = TestSeed.random("HiddenMarkovModelTest.baumWelch");
        // Data from a peaked model, so there is structure to find.
        int k = 3;
        int v = 5;
        double[] pi = {0.6, 0.3, 0.1};
        double[][] a = {{0.8, 0.1, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.2, 0.6}};
        double[][] b = {{0.6, 0.3, 0.05, 0.03, 0.02}, {0.02, 0.05, 0.6, 0.3, 0.03}, {0.1, 0.1, 0.1, 0.1, 0.6}};
        int[][] xs = new int[120][];
        for (int n = 0; n < xs.length; n++) {
            xs[n] = new int[5 + r.nextInt(20)];
            int s = sample(r, pi);
            for (int t = 0; t < xs[n].length; t++) {
                if (t > 0) {
                    s = sample(r, a[s]);
                }
                xs[n][t] = sample(r, b[s]);
            }
        }
        ChainInference inference = new ChainInference(kernel, 2, 16);
        BaumWelch.Result fit = new BaumWelch(inference, 40, 0, 0).fit(HiddenMarkovModel.random(k, v, r), xs);
        double[] trace = fit.logLikelihoods();
        assertEquals(41, trace.length);
        for (int i = 1; i < trace.length; i++) {
            assertTrue(trace[i] >= trace[i - 1] - 1e-9 * Math.abs(trace[i - 1]),
                    "log-likelihood fell at iteration " + i + ": " + trace[i - 1] + " -> " + trace[i]);
        }
        assertTrue(trace[trace.length - 1] > trace[0] + 10, "EM made no progress: " + trace[0] + " -> " + trace[40]);
        // The last entry is the returned model's own log-likelihood.
        assertEquals(hmmSum(fit.model(), inference, xs), trace[40], 1e-8 * Math.abs(trace[40]));
    }

    private static double hmmSum(HiddenMarkovModel hmm, ChainInference inference, int[][] xs) {
        double s = 0;
        for (double l : hmm.logLikelihood(inference, xs)) {
            s += l;
        }
        return s;
    }

    private static int sample(SplittableRandom r, double[] p) {
        double u = r.nextDouble();
        for (int i = 0; i < p.length - 1; i++) {
            u -= p[i];
            if (u < 0) {
                return i;
            }
        }
        return p.length - 1;
    }

    @Test
    void rejectsBadParametersAndSymbols() {
        double[] pi = {0.5, 0.5};
        double[][] a = {{0.5, 0.5}, {0.5, 0.5}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HiddenMarkovModel.of(pi, a, new double[][] {{0.5, 0.6}, {0.5, 0.5}}));
        assertTrue(e.getMessage().contains("emission[0]"), e.getMessage());
        HiddenMarkovModel hmm = HiddenMarkovModel.of(pi, a, new double[][] {{0.5, 0.5}, {0.5, 0.5}});
        ChainInference inference = new ChainInference(kernel, 1, 8);
        e = assertThrows(IllegalArgumentException.class, () -> hmm.logLikelihood(inference, new int[][] {{0, 2}}));
        assertTrue(e.getMessage().contains("sequences[0][1]"), e.getMessage());
    }
}
