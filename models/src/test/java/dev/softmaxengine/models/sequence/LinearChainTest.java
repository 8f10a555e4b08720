package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.TestSeed;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The batched chain programs against enumeration of every state sequence. */
class LinearChainTest {
    private static final double TOL = 1e-9;
    private static SoftmaxKernel kernel;

    @BeforeAll
    static void open() {
        kernel = Backends.create();
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    /** A random chain with some forbidden transitions, and a batch of ragged sequences, one of them empty. */
    private record Case(int k, double[] transition, double[] start, double[] end, double[][] unary) {
        ChainPotentials potentials() {
            return new ChainPotentials(k, transition, start, end);
        }

        ChainBatch load() {
            ChainBatch b = new ChainBatch(k);
            int[] lengths = new int[unary.length];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = unary[i].length / k;
            }
            b.reset(lengths);
            for (int i = 0; i < unary.length; i++) {
                double[] row = new double[k];
                for (int t = 0; t < lengths[i]; t++) {
                    System.arraycopy(unary[i], t * k, row, 0, k);
                    b.setUnary(i, t, row);
                }
            }
            return b;
        }

        BruteForceChain oracle(int i) {
            return new BruteForceChain(k, transition, start, end, unary[i]);
        }
    }

    private static Case randomCase(SplittableRandom r, int k) {
        double[] transition = new double[k * k];
        for (int i = 0; i < transition.length; i++) {
            transition[i] = k > 1 && r.nextInt(6) == 0 ? Double.NEGATIVE_INFINITY : r.nextDouble(-3, 3);
        }
        double[] start = r.doubles(k, -2, 2).toArray();
        double[] end = r.doubles(k, -2, 2).toArray();
        int[] lengths = {5, 0, 1, 3, 2, 5, 4, 1};
        double[][] unary = new double[lengths.length][];
        for (int i = 0; i < lengths.length; i++) {
            unary[i] = r.doubles((long) lengths[i] * k, -4, 4).toArray();
        }
        return new Case(k, transition, start, end, unary);
    }

    @Test
    void forwardBackwardAndViterbiMatchEnumeration() {
        SplittableRandom r = TestSeed.random("LinearChainTest.enumeration");
        LinearChain chain = new LinearChain(kernel);
        for (int k = 1; k <= 4; k++) {
            Case c = randomCase(r, k);
            ChainPotentials p = c.potentials();
            ChainBatch b = c.load();
            chain.forward(p, b);
            chain.backward(p, b);
            chain.stateMarginals(b);
            double[] pairs = new double[k * k];
            chain.expectedTransitions(p, b, pairs, null);
            double[] expectedPairs = new double[k * k];
            for (int i = 0; i < c.unary.length; i++) {
                BruteForceChain o = c.oracle(i);
                String where = "K=" + k + " sequence " + i;
                assertEquals(o.logZ, b.logPartition(i), TOL * Math.max(1, Math.abs(o.logZ)), where + " log Z");
                for (int t = 0; t < b.length(i); t++) {
                    for (int s = 0; s < k; s++) {
                        assertEquals(o.marginals[t * k + s], b.marginal(i, t, s), TOL, where + " marginal t=" + t);
                        // alpha_t + beta_t - log Z is the log marginal at every t.
                        double m = Math.exp(b.logAlpha(i, t, s) + b.logBeta(i, t, s) - b.logPartition(i));
                        assertEquals(o.marginals[t * k + s], m, TOL, where + " alpha*beta t=" + t);
                    }
                }
                for (int j = 0; j < k * k; j++) {
                    expectedPairs[j] += o.pairs[j];
                }
            }
            assertArrayEquals(expectedPairs, pairs, TOL * c.unary.length, "K=" + k + " expected transitions");

            chain.viterbi(p, b);
            for (int i = 0; i < c.unary.length; i++) {
                BruteForceChain o = c.oracle(i);
                assertArrayEquals(o.best, b.path(i), "K=" + k + " Viterbi path of sequence " + i);
                assertEquals(o.bestScore, b.pathScore(i), TOL * Math.max(1, Math.abs(o.bestScore)));
            }
        }
    }

    @Test
    void weightedTransitionsScaleEachSequence() {
        SplittableRandom r = TestSeed.random("LinearChainTest.weights");
        Case c = randomCase(r, 3);
        LinearChain chain = new LinearChain(kernel);
        ChainPotentials p = c.potentials();
        ChainBatch b = c.load();
        chain.forward(p, b);
        chain.backward(p, b);
        double[] weights = r.doubles(c.unary.length, 0, 2).toArray();
        double[] got = new double[9];
        chain.expectedTransitions(p, b, got, weights);
        double[] expected = new double[9];
        for (int i = 0; i < c.unary.length; i++) {
            double[] pairs = c.oracle(i).pairs;
            for (int j = 0; j < 9; j++) {
                expected[j] += weights[i] * pairs[j];
            }
        }
        assertArrayEquals(expected, got, 1e-8);
    }

    @Test
    void reusedBatchGivesTheSameResultsAsAFreshOne() {
        SplittableRandom r = TestSeed.random("LinearChainTest.reuse");
        LinearChain chain = new LinearChain(kernel);
        Case big = randomCase(r, 4);
        ChainBatch reused = big.load();
        chain.forward(big.potentials(), reused);
        chain.backward(big.potentials(), reused);
        chain.viterbi(big.potentials(), reused);
        // Re-laid out for shorter sequences, the batch must not leak stale messages of the longer ones.
        Case small = new Case(4, big.transition, big.start, big.end,
                new double[][] {r.doubles(8, -1, 1).toArray(), new double[0], r.doubles(4, -1, 1).toArray()});
        ChainBatch fresh = small.load();
        reused.reset(new int[] {2, 0, 1});
        for (int i = 0; i < 3; i++) {
            for (int t = 0; t < reused.length(i); t++) {
                reused.setUnary(i, t, Arrays.copyOfRange(small.unary[i], t * 4, t * 4 + 4));
            }
        }
        for (ChainBatch b : new ChainBatch[] {reused, fresh}) {
            chain.forward(small.potentials(), b);
            chain.backward(small.potentials(), b);
            chain.stateMarginals(b);
            chain.viterbi(small.potentials(), b);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(fresh.logPartition(i), reused.logPartition(i), 0.0);
            assertArrayEquals(fresh.path(i), reused.path(i));
            for (int t = 0; t < fresh.length(i); t++) {
                assertEquals(fresh.marginal(i, t, 2), reused.marginal(i, t, 2), 0.0);
            }
        }
    }

    @Test
    void rejectsMismatchedStatesAndMissingSteps() {
        ChainBatch b = new ChainBatch(3);
        b.reset(new int[] {2});
        LinearChain chain = new LinearChain(kernel);
        ChainPotentials two = new ChainPotentials(2, new double[4], new double[2], new double[2]);
        assertThrows(IllegalArgumentException.class, () -> chain.forward(two, b));
        assertThrows(IllegalStateException.class, () -> chain.stateMarginals(b));
        assertThrows(IllegalStateException.class, () -> b.logPartition(0));
        assertThrows(IllegalArgumentException.class, () -> b.reset(new int[] {1, -1}));
        assertThrows(IllegalArgumentException.class,
                () -> new ChainPotentials(2, new double[] {0, Double.NaN, 0, 0}, new double[2], new double[2]));
    }
}
