package dev.softmaxengine.simd;

import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.spi.Philox;
import dev.softmaxengine.api.spi.Selection;

import java.util.Arrays;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Top-k and sample without sorting a row: a bounded heap of the k best, where a vector compare
 * against the heap's worst skips the lanes that cannot enter (after the first k, nearly all of a
 * logits row); for a sample without top-k, a bisection over the order keys finds the top-p
 * boundary in vector passes. Both follow {@link Selection}'s rules, and a row is always computed by
 * one thread in one order, so the results do not depend on threads or batch split; the draws, kept
 * sets and sums of the top-k path are the oracle's bit for bit.
 *
 * <p>Each slice is read into an fp64 scratch row first (one pass, strided for a non-last axis), so
 * one code path serves both dtypes and every tensor kind.
 */
final class VectorSelection {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> K = LongVector.SPECIES_PREFERRED;

    private VectorSelection() {
    }

    /** Largest row the scratch arrays hold. */
    static final long MAX_ROW = Integer.MAX_VALUE - 64;

    /** The scratch of one thread's range of slices. */
    private static final class Scratch {
        final double[] row;
        double[] p;
        long[] keys;
        final int[] heapIndex;
        final long[] heapKey;

        Scratch(int n, int k) {
            row = new double[n];
            heapIndex = new int[k];
            heapKey = new long[k];
        }

        double[] p() {
            return p != null ? p : (p = new double[row.length]);
        }

        long[] keys() {
            return keys != null ? keys : (keys = new long[row.length]);
        }
    }

    /**
     * Top-k of slices {@code [from, to)}, numbered {@code o * inner + i}.
     */
    static void topK(OpRequest r, long from, long to) {
        int n = (int) r.n();
        int k = r.k();
        long inner = r.inner();
        Tensor values = r.out();
        Tensor indices = r.secondOut().orElseThrow();
        Scratch s = new Scratch(n, k);
        int[] sorted = new int[k];
        for (long slice = from; slice < to; slice++) {
            long o = slice / inner;
            long i = slice % inner;
            read(r.in(), o * n * inner + i, inner, s.row);
            best(s, n, k, sorted);
            long outBase = o * k * inner + i;
            for (int j = 0; j < k; j++) {
                values.set(outBase + j * inner, s.row[sorted[j]]);
                indices.set(outBase + j * inner, sorted[j]);
            }
        }
    }

    /** One draw for each row of {@code [from, to)}. */
    static void sample(OpRequest r, long from, long to) {
        int n = (int) r.n();
        Sampling sampling = r.sampling();
        int topK = sampling.topK() == 0 || sampling.topK() == n ? 0 : sampling.topK();
        Scratch s = new Scratch(n, topK);
        int[] sorted = new int[topK];
        Tensor logProbs = r.secondOut().orElse(null);
        for (long row = from; row < to; row++) {
            read(r.in(), row * n, 1, s.row);
            double[] drawn = sampleRow(s, n, sampling, topK, sorted, row);
            r.out().set(row, drawn[0]);
            if (logProbs != null) {
                logProbs.set(row, drawn[1]);
            }
        }
    }

    private static void read(Tensor in, long base, long stride, double[] row) {
        int n = row.length;
        if (in instanceof ArrayTensor a && stride == 1) {
            if (in.dtype() == DType.FLOAT64) {
                System.arraycopy(a.doubles(), (int) base, row, 0, n);
            } else {
                float[] f = a.floats();
                for (int k = 0; k < n; k++) {
                    row[k] = f[(int) base + k];
                }
            }
            return;
        }
        for (int k = 0; k < n; k++) {
            row[k] = in.get(base + k * stride);
        }
    }

    /**
     * The {@code k} best of {@code s.row} into {@code sorted}, best first: a min-heap of the k best
     * so far whose root is the worst (lowest key, and of equal keys the highest index, which loses
     * ties). Scanning in index order, a later entry enters only with a strictly higher key.
     */
    private static void best(Scratch s, int n, int k, int[] sorted) {
        double[] x = s.row;
        int[] hi = s.heapIndex;
        long[] hk = s.heapKey;
        int size = 0;
        int i = 0;
        for (; i < n && size < k; i++) {
            hi[size] = i;
            hk[size] = Selection.key(x[i]);
            siftUp(hi, hk, size++);
        }
        int bound = D.loopBound(n);
        while (i < n) {
            // The root's value: entries not above it (and not NaN) cannot enter. A NaN root means
            // the heap holds k NaNs, which no later entry beats.
            double worst = x[hi[0]];
            if (worst != worst) {
                break;
            }
            if (i % D.length() == 0 && i < bound) {
                DoubleVector v = DoubleVector.fromArray(D, x, i);
                VectorMask<Double> enter = v.compare(VectorOperators.GT, worst).or(v.test(VectorOperators.IS_NAN));
                if (!enter.anyTrue()) {
                    i += D.length();
                    continue;
                }
            }
            long key = Selection.key(x[i]);
            if (key > hk[0]) {
                hi[0] = i;
                hk[0] = key;
                siftDown(hi, hk, 0, k);
            }
            i++;
        }
        // Popping the worst first fills the result from the back.
        for (int j = size - 1; j >= 0; j--) {
            sorted[j] = hi[0];
            hi[0] = hi[j];
            hk[0] = hk[j];
            siftDown(hi, hk, 0, j);
        }
    }

    private static boolean worse(int[] hi, long[] hk, int a, int b) {
        return hk[a] < hk[b] || (hk[a] == hk[b] && hi[a] > hi[b]);
    }

    private static void swap(int[] hi, long[] hk, int a, int b) {
        int ti = hi[a];
        hi[a] = hi[b];
        hi[b] = ti;
        long tk = hk[a];
        hk[a] = hk[b];
        hk[b] = tk;
    }

    private static void siftUp(int[] hi, long[] hk, int c) {
        while (c > 0) {
            int parent = (c - 1) >>> 1;
            if (!worse(hi, hk, c, parent)) {
                return;
            }
            swap(hi, hk, c, parent);
            c = parent;
        }
    }

    private static void siftDown(int[] hi, long[] hk, int c, int size) {
        while (true) {
            int l = 2 * c + 1;
            if (l >= size) {
                return;
            }
            int w = l + 1 < size && worse(hi, hk, l + 1, l) ? l + 1 : l;
            if (!worse(hi, hk, w, c)) {
                return;
            }
            swap(hi, hk, w, c);
            c = w;
        }
    }

    /** {index, log-probability} of one row's draw, by {@link Selection}'s rules. */
    private static double[] sampleRow(Scratch s, int n, Sampling sampling, int topK, int[] sorted, long row) {
        double[] x = s.row;
        double max = Double.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int k = 0; k < n; k++) {
            double v = x[k];
            if (v != v) {
                return new double[] {-1, Double.NaN};
            }
            if (v > max) {
                max = v;
                argmax = k;
            }
        }
        double t = sampling.temperature();
        if (t == 0) {
            return new double[] {argmax, 0};
        }
        if (Double.isInfinite(max)) {
            return new double[] {-1, Double.NaN};
        }
        double least = sampling.minP() * (1 - Selection.SLACK);
        // Without top-k every p is needed for the bisection, so it is kept; with it, only the few kept
        // entries' p are computed (in the walks below).
        boolean dense = topK == 0;
        double[] p = dense ? s.p() : null;
        long[] keys = dense ? s.keys() : null;
        long keptAbove;
        long tieKey;
        int ties;
        if (topK > 0) {
            best(s, n, topK, sorted);
            double massK = 0;
            for (int j = 0; j < topK; j++) {
                massK += StrictMath.exp((x[sorted[j]] - max) / t);
            }
            double target = (sampling.topP() - Selection.SLACK) * massK;
            double cum = 0;
            int kept = 0;
            while (kept < topK) {
                double pj = StrictMath.exp((x[sorted[kept]] - max) / t);
                if (pj < least) {
                    break;
                }
                kept++;
                cum += pj;
                if (sampling.topP() < 1 && cum >= target) {
                    break;
                }
            }
            tieKey = Selection.key(x[sorted[kept - 1]]);
            ties = 0;
            for (int j = 0; j < kept; j++) {
                if (Selection.key(x[sorted[j]]) == tieKey) {
                    ties++;
                }
            }
            keptAbove = tieKey;
        } else {
            double massAll = 0;
            double massLeast = 0;
            for (int k = 0; k < n; k++) {
                double pk = StrictMath.exp((x[k] - max) / t);
                p[k] = pk;
                keys[k] = Selection.key(x[k]);
                massAll += pk;
                if (pk >= least) {
                    massLeast += pk;
                }
            }
            double target = (sampling.topP() - Selection.SLACK) * massAll;
            if (sampling.topP() < 1 && massLeast >= target) {
                tieKey = boundary(p, keys, n, target);
                double cum = massAbove(p, keys, n, tieKey == Long.MAX_VALUE ? tieKey : tieKey + 1);
                ties = 0;
                for (int k = 0; k < n && cum < target; k++) {
                    if (keys[k] == tieKey) {
                        cum += p[k];
                        ties++;
                    }
                }
                ties = Math.max(ties, 1);
            } else {
                // The min-p set (every tie in), or everything when minP is 0.
                long lowest = Long.MAX_VALUE;
                for (int k = 0; k < n; k++) {
                    if (p[k] >= least) {
                        lowest = Math.min(lowest, keys[k]);
                    }
                }
                tieKey = lowest;
                ties = Integer.MAX_VALUE;
            }
            keptAbove = tieKey;
        }
        // Kept: key above tieKey, or equal to it among the first `ties` in index order.
        double mass = 0;
        int seen = 0;
        for (int k = 0; k < n; k++) {
            long key = dense ? keys[k] : Selection.key(x[k]);
            if (key > keptAbove || (key == keptAbove && seen++ < ties)) {
                mass += dense ? p[k] : StrictMath.exp((x[k] - max) / t);
            }
        }
        double threshold = Philox.uniform(sampling.seed(), row) * mass;
        double run = 0;
        int drawn = -1;
        seen = 0;
        for (int k = 0; k < n; k++) {
            long key = dense ? keys[k] : Selection.key(x[k]);
            if (key > keptAbove || (key == keptAbove && seen++ < ties)) {
                double pk = dense ? p[k] : StrictMath.exp((x[k] - max) / t);
                if (pk > 0) {
                    run += pk;
                    drawn = k;
                    if (run > threshold) {
                        break;
                    }
                }
            }
        }
        return new double[] {drawn, (x[drawn] - max) / t - StrictMath.log(mass)};
    }

    /** The largest key {@code t} whose mass {@code sum p[k] for keys[k] >= t} is at least {@code target}. */
    private static long boundary(double[] p, long[] keys, int n, double target) {
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            lo = Math.min(lo, keys[k]);
            hi = Math.max(hi, keys[k]);
        }
        while (lo < hi) {
            long mid = lo + ((hi - lo) >>> 1) + 1;
            if (massAbove(p, keys, n, mid) >= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** {@code sum p[k] for keys[k] >= t}, in vector lanes. */
    private static double massAbove(double[] p, long[] keys, int n, long t) {
        DoubleVector acc = DoubleVector.zero(D);
        int k = 0;
        if (D.length() == K.length()) {
            for (int bound = D.loopBound(n); k < bound; k += D.length()) {
                VectorMask<Long> in = LongVector.fromArray(K, keys, k).compare(VectorOperators.GE, t);
                acc = acc.add(DoubleVector.fromArray(D, p, k), in.cast(D));
            }
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            if (keys[k] >= t) {
                sum += p[k];
            }
        }
        return sum;
    }
}
