package dev.softmaxengine.models.sequence;

/**
 * The oracle for the chain dynamic programs: every one of the {@code K^T} state sequences
 * enumerated and scored, in fp64. Only for tiny K and T.
 */
final class BruteForceChain {
    final double logZ;
    /** {@code [T * K]} posterior state marginals. */
    final double[] marginals;
    /** {@code [K * K]} expected transition counts. */
    final double[] pairs;
    final int[] best;
    final double bestScore;

    /**
     * @param unary {@code [T * K]} unary log-potentials of one sequence
     */
    BruteForceChain(int k, double[] transition, double[] start, double[] end, double[] unary) {
        int len = unary.length / k;
        long paths = 1;
        for (int t = 0; t < len; t++) {
            paths *= k;
        }
        double[] scores = new double[(int) paths];
        double max = Double.NEGATIVE_INFINITY;
        int argmax = 0;
        int[] y = new int[len];
        for (int p = 0; p < paths; p++) {
            decode(p, k, y);
            double s = score(k, transition, start, end, unary, y);
            scores[p] = s;
            if (s > max) {
                max = s;
                argmax = p;
            }
        }
        if (len == 0) {
            logZ = 0;
            bestScore = 0;
        } else {
            double sum = 0;
            for (double s : scores) {
                sum += Math.exp(s - max);
            }
            logZ = max + Math.log(sum);
            bestScore = max;
        }
        best = new int[len];
        decode(argmax, k, best);
        marginals = new double[len * k];
        pairs = new double[k * k];
        for (int p = 0; p < paths && len > 0; p++) {
            decode(p, k, y);
            double prob = Math.exp(scores[p] - logZ);
            for (int t = 0; t < len; t++) {
                marginals[t * k + y[t]] += prob;
                if (t > 0) {
                    pairs[y[t - 1] * k + y[t]] += prob;
                }
            }
        }
    }

    static double score(int k, double[] transition, double[] start, double[] end, double[] unary, int[] y) {
        if (y.length == 0) {
            return 0;
        }
        double s = start[y[0]] + end[y[y.length - 1]];
        for (int t = 0; t < y.length; t++) {
            s += unary[t * k + y[t]];
            if (t > 0) {
                s += transition[y[t - 1] * k + y[t]];
            }
        }
        return s;
    }

    private static void decode(int p, int k, int[] y) {
        for (int t = y.length - 1; t >= 0; t--) {
            y[t] = p % k;
            p /= k;
        }
    }
}
