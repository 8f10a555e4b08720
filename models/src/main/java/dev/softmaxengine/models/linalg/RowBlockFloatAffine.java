package dev.softmaxengine.models.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatAffine#applyByClass} on 16-lane float vectors (AVX-512) for few features: each
 * vector holds 4 features of 4 rows, one row per 128-bit block, so that a weight vector (4 features
 * of one class, repeated in each block) multiplies 4 rows at once, and a score is the sum of the 4
 * lanes of its block at the end. Getting there from the rows as stored is a 4 x 4 transposition of
 * 128-bit blocks (8 two-source permutes per 4 rows and 16 features), half of what a full 16 x 16
 * transposition to one row per lane costs, and the weights are whole vectors, not broadcasts.
 *
 * <p>Per chunk of 16 rows: the 16 rows are rearranged into a scratch array (in L1), then register
 * tiles of 16 rows x 5 classes run over it: each step loads 4 vectors (one per group of 4 rows)
 * and 5 weight vectors for 20 independent fused multiply-adds, and a tile ends with a butterfly of
 * 6 permutes and 3 additions per class that leaves the 16 rows' scores in one vector, stored
 * straight into the class-major output. Measured on digits (64 features, 10 classes): see
 * models/README.md. Each lane sums features {@code p = q (mod 4)} in order, one FMA each, then the
 * 4 lanes pairwise and the bias last: an order other than {@link FloatAffine}'s plain loop, so the
 * results differ from it by roundings, within the same bound. Rows past the last whole chunk run
 * as a chunk padded with zero rows, the features past the last whole vector as masked loads (zeros)
 * against zero-padded weights. No touch-ahead ({@link Prefetch}): the prefetchers follow this order
 * of reading the rows, and touching ahead made it slower (models/README.md).
 */
final class RowBlockFloatAffine {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** The lanes this class is written for: 4 blocks of 4. */
    static final int LANES = 16;
    /** Rows per chunk: 4 groups of 4 rows. */
    private static final int CHUNK = 16;
    /**
     * Permutation indices ({@code 16 + l} meaning lane {@code l} of the second vector): the two
     * rounds of the block transposition (even blocks, odd blocks; then low halves, high halves) and
     * the butterfly's even and odd lanes.
     */
    private static final int[] PERMUTE = permutations();

    private RowBlockFloatAffine() {
    }

    /** Whether the preferred shape has exactly 16 float and 16 int lanes. */
    static boolean usable() {
        return F.length() == LANES && I.length() == LANES;
    }

    private static int[] permutations() {
        int[] idx = new int[6 * LANES];
        for (int l = 0; l < LANES; l++) {
            int block = l / 4;
            int q = l % 4;
            // Round 1 from rows r and s = r + 1: [r.b0, s.b0, r.b2, s.b2] and [r.b1, s.b1, r.b3, s.b3].
            int src = block % 2 == 0 ? 0 : LANES;
            int b = block < 2 ? 0 : 2;
            idx[l] = src + b * 4 + q;
            idx[LANES + l] = src + (b + 1) * 4 + q;
            // Round 2 from (T0, T2): blocks 0, 1 of T0 and of T2, then blocks 2, 3 of each.
            int from = block < 2 ? 0 : LANES;
            idx[2 * LANES + l] = from + (block % 2) * 4 + q;
            idx[3 * LANES + l] = from + (2 + block % 2) * 4 + q;
            // Butterfly: lane l sums lanes 2l and 2l + 1 of the pair (first vector for l < 8).
            int pair = l < LANES / 2 ? 2 * l : LANES + 2 * (l - LANES / 2);
            idx[4 * LANES + l] = pair;
            idx[5 * LANES + l] = pair + 1;
        }
        return idx;
    }

    /**
     * The weights as this path reads them: for class {@code j}, step {@code s} (16 features) and
     * block {@code b}, one vector of features {@code 16 s + 4 b + (0..3)} repeated in the 4 blocks,
     * zero past {@code k}.
     *
     * @param byFeature feature-major {@code k x n}
     */
    static float[] pack(float[] byFeature, int n, int k) {
        int steps = (k + LANES - 1) / LANES;
        float[] packed = new float[Math.multiplyExact(n, steps * 4 * LANES)];
        for (int j = 0; j < n; j++) {
            for (int t = 0; t < steps * 4; t++) {
                for (int l = 0; l < LANES; l++) {
                    int p = 4 * t + l % 4;
                    packed[(j * steps * 4 + t) * LANES + l] = p < k ? byFeature[p * n + j] : 0f;
                }
            }
        }
        return packed;
    }

    /**
     * {@code c[j * m + i] = bias[j] + sum_p a[aOffset + i*k + p] * w[j][p]}: {@code packed} from
     * {@link #pack}, {@code c} class-major from index 0.
     */
    static void affine(float[] a, int aOffset, int m, int k, float[] packed, float[] bias, int n, float[] c) {
        int steps = (k + LANES - 1) / LANES;
        int t4 = steps * 4;
        // Group g of the chunk, step s, block b at xt[((g * steps + s) * 4 + b) * LANES].
        float[] xt = new float[CHUNK * steps * LANES];
        // tile1's partial sums, group g at acc[g * LANES].
        float[] acc = new float[4 * LANES];
        // The last step's features: all 16 when k is a multiple of 16 (then no step needs a mask).
        int last = k % LANES == 0 ? steps : steps - 1;
        VectorMask<Float> tail = F.indexInRange(0, k - (steps - 1) * LANES);
        for (int i0 = 0; i0 < m; i0 += CHUNK) {
            int rows = Math.min(CHUNK, m - i0);
            int base = aOffset + i0 * k;
            for (int g = 0; g < 4; g++) {
                arrange(a, base + 4 * g * k, Math.max(0, Math.min(4, rows - 4 * g)), k, steps, last, tail, xt,
                        g * t4 * LANES);
            }
            int j = 0;
            for (; j + 5 <= n; j += 5) {
                tile5(xt, t4, packed, j * t4 * LANES, bias, j, c, m, i0, rows);
            }
            for (; j < n; j++) {
                tile1(xt, t4, packed, j * t4 * LANES, acc);
                store(acc, 0, bias[j], c, j * m + i0, rows);
            }
        }
    }

    /**
     * Rows {@code a0, a0 + k, ..} ({@code rows} of them, 0 to 4; the rest zeros) into the
     * group's blocks from {@code x0}: for each step of 16 features, 4 vectors, vector {@code b}
     * holding features {@code 4 b .. 4 b + 3} of row {@code r} in block {@code r}.
     */
    private static void arrange(float[] a, int a0, int rows, int k, int steps, int last, VectorMask<Float> tail,
                                float[] xt, int x0) {
        IntVector lo1 = IntVector.fromArray(I, PERMUTE, 0);
        IntVector hi1 = IntVector.fromArray(I, PERMUTE, LANES);
        IntVector lo2 = IntVector.fromArray(I, PERMUTE, 2 * LANES);
        IntVector hi2 = IntVector.fromArray(I, PERMUTE, 3 * LANES);
        FloatVector zero = FloatVector.zero(F);
        for (int s = 0; s < steps; s++) {
            int p = s * LANES;
            IntVector r0, r1, r2, r3;
            if (rows == 4 && s < last) {
                r0 = FloatVector.fromArray(F, a, a0 + p).reinterpretAsInts();
                r1 = FloatVector.fromArray(F, a, a0 + k + p).reinterpretAsInts();
                r2 = FloatVector.fromArray(F, a, a0 + 2 * k + p).reinterpretAsInts();
                r3 = FloatVector.fromArray(F, a, a0 + 3 * k + p).reinterpretAsInts();
            } else {
                VectorMask<Float> mask = s < last ? F.maskAll(true) : tail;
                r0 = (rows > 0 ? FloatVector.fromArray(F, a, a0 + p, mask) : zero).reinterpretAsInts();
                r1 = (rows > 1 ? FloatVector.fromArray(F, a, a0 + k + p, mask) : zero).reinterpretAsInts();
                r2 = (rows > 2 ? FloatVector.fromArray(F, a, a0 + 2 * k + p, mask) : zero).reinterpretAsInts();
                r3 = (rows > 3 ? FloatVector.fromArray(F, a, a0 + 3 * k + p, mask) : zero).reinterpretAsInts();
            }
            IntVector t0 = lo1.selectFrom(r0, r1);
            IntVector t1 = hi1.selectFrom(r0, r1);
            IntVector t2 = lo1.selectFrom(r2, r3);
            IntVector t3 = hi1.selectFrom(r2, r3);
            int o = x0 + s * 4 * LANES;
            lo2.selectFrom(t0, t2).reinterpretAsFloats().intoArray(xt, o);
            lo2.selectFrom(t1, t3).reinterpretAsFloats().intoArray(xt, o + LANES);
            hi2.selectFrom(t0, t2).reinterpretAsFloats().intoArray(xt, o + 2 * LANES);
            hi2.selectFrom(t1, t3).reinterpretAsFloats().intoArray(xt, o + 3 * LANES);
        }
    }

    /**
     * Classes {@code j .. j + 4} (weights from {@code w0}, {@code t4} vectors apart) of the chunk's
     * 16 rows ({@code rows} of them real), into {@code c} from row {@code i0}. The butterflies are
     * written out in the tile, since C2 keeps vectors in registers only within one compiled method
     * (through an array, as {@link #tile1} does, the GEMM alone ran at 0.9x).
     */
    private static void tile5(float[] xt, int t4, float[] w, int w0, float[] bias, int j, float[] c, int m, int i0,
                              int rows) {
        int g1 = t4 * LANES;
        int g2 = 2 * g1;
        int g3 = 3 * g1;
        int w1 = w0 + g1;
        int w2 = w1 + g1;
        int w3 = w2 + g1;
        int w4 = w3 + g1;
        FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00, s04 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00, s14 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00, s24 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00, s34 = s00;
        for (int o = 0; o < g1; o += LANES) {
            FloatVector x0 = FloatVector.fromArray(F, xt, o);
            FloatVector x1 = FloatVector.fromArray(F, xt, g1 + o);
            FloatVector x2 = FloatVector.fromArray(F, xt, g2 + o);
            FloatVector x3 = FloatVector.fromArray(F, xt, g3 + o);
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + o);
            s00 = x0.fma(v0, s00);
            s10 = x1.fma(v0, s10);
            s20 = x2.fma(v0, s20);
            s30 = x3.fma(v0, s30);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + o);
            s01 = x0.fma(v1, s01);
            s11 = x1.fma(v1, s11);
            s21 = x2.fma(v1, s21);
            s31 = x3.fma(v1, s31);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + o);
            s02 = x0.fma(v2, s02);
            s12 = x1.fma(v2, s12);
            s22 = x2.fma(v2, s22);
            s32 = x3.fma(v2, s32);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + o);
            s03 = x0.fma(v3, s03);
            s13 = x1.fma(v3, s13);
            s23 = x2.fma(v3, s23);
            s33 = x3.fma(v3, s33);
            FloatVector v4 = FloatVector.fromArray(F, w, w4 + o);
            s04 = x0.fma(v4, s04);
            s14 = x1.fma(v4, s14);
            s24 = x2.fma(v4, s24);
            s34 = x3.fma(v4, s34);
        }
        IntVector even = IntVector.fromArray(I, PERMUTE, 4 * LANES);
        IntVector odd = IntVector.fromArray(I, PERMUTE, 5 * LANES);
        // Class j: groups 0..3 to one vector of 16 rows.
        IntVector q00 = s00.reinterpretAsInts(), q01 = s10.reinterpretAsInts();
        IntVector q02 = s20.reinterpretAsInts(), q03 = s30.reinterpretAsInts();
        IntVector h001 = even.selectFrom(q00, q01).reinterpretAsFloats()
                .add(odd.selectFrom(q00, q01).reinterpretAsFloats()).reinterpretAsInts();
        IntVector h023 = even.selectFrom(q02, q03).reinterpretAsFloats()
                .add(odd.selectFrom(q02, q03).reinterpretAsFloats()).reinterpretAsInts();
        FloatVector r0 = even.selectFrom(h001, h023).reinterpretAsFloats()
                .add(odd.selectFrom(h001, h023).reinterpretAsFloats()).add(bias[j]);
        // Class j + 1: groups 0..3 to one vector of 16 rows.
        IntVector q10 = s01.reinterpretAsInts(), q11 = s11.reinterpretAsInts();
        IntVector q12 = s21.reinterpretAsInts(), q13 = s31.reinterpretAsInts();
        IntVector h101 = even.selectFrom(q10, q11).reinterpretAsFloats()
                .add(odd.selectFrom(q10, q11).reinterpretAsFloats()).reinterpretAsInts();
        IntVector h123 = even.selectFrom(q12, q13).reinterpretAsFloats()
                .add(odd.selectFrom(q12, q13).reinterpretAsFloats()).reinterpretAsInts();
        FloatVector r1 = even.selectFrom(h101, h123).reinterpretAsFloats()
                .add(odd.selectFrom(h101, h123).reinterpretAsFloats()).add(bias[j + 1]);
        // Class j + 2: groups 0..3 to one vector of 16 rows.
        IntVector q20 = s02.reinterpretAsInts(), q21 = s12.reinterpretAsInts();
        IntVector q22 = s22.reinterpretAsInts(), q23 = s32.reinterpretAsInts();
        IntVector h201 = even.selectFrom(q20, q21).reinterpretAsFloats()
                .add(odd.selectFrom(q20, q21).reinterpretAsFloats()).reinterpretAsInts();
        IntVector h223 = even.selectFrom(q22, q23).reinterpretAsFloats()
                .add(odd.selectFrom(q22, q23).reinterpretAsFloats()).reinterpretAsInts();
        FloatVector r2 = even.selectFrom(h201, h223).reinterpretAsFloats()
                .add(odd.selectFrom(h201, h223).reinterpretAsFloats()).add(bias[j + 2]);
        // Class j + 3: groups 0..3 to one vector of 16 rows.
        IntVector q30 = s03.reinterpretAsInts(), q31 = s13.reinterpretAsInts();
        IntVector q32 = s23.reinterpretAsInts(), q33 = s33.reinterpretAsInts();
        IntVector h301 = even.selectFrom(q30, q31).reinterpretAsFloats()
                .add(odd.selectFrom(q30, q31).reinterpretAsFloats()).reinterpretAsInts();
        IntVector h323 = even.selectFrom(q32, q33).reinterpretAsFloats()
                .add(odd.selectFrom(q32, q33).reinterpretAsFloats()).reinterpretAsInts();
        FloatVector r3 = even.selectFrom(h301, h323).reinterpretAsFloats()
                .add(odd.selectFrom(h301, h323).reinterpretAsFloats()).add(bias[j + 3]);
        // Class j + 4: groups 0..3 to one vector of 16 rows.
        IntVector q40 = s04.reinterpretAsInts(), q41 = s14.reinterpretAsInts();
        IntVector q42 = s24.reinterpretAsInts(), q43 = s34.reinterpretAsInts();
        IntVector h401 = even.selectFrom(q40, q41).reinterpretAsFloats()
                .add(odd.selectFrom(q40, q41).reinterpretAsFloats()).reinterpretAsInts();
        IntVector h423 = even.selectFrom(q42, q43).reinterpretAsFloats()
                .add(odd.selectFrom(q42, q43).reinterpretAsFloats()).reinterpretAsInts();
        FloatVector r4 = even.selectFrom(h401, h423).reinterpretAsFloats()
                .add(odd.selectFrom(h401, h423).reinterpretAsFloats()).add(bias[j + 4]);
        int o = j * m + i0;
        if (rows == CHUNK) {
            r0.intoArray(c, o);
            r1.intoArray(c, o + m);
            r2.intoArray(c, o + 2 * m);
            r3.intoArray(c, o + 3 * m);
            r4.intoArray(c, o + 4 * m);
        } else {
            VectorMask<Float> some = F.indexInRange(0, rows);
            r0.intoArray(c, o, some);
            r1.intoArray(c, o + m, some);
            r2.intoArray(c, o + 2 * m, some);
            r3.intoArray(c, o + 3 * m, some);
            r4.intoArray(c, o + 4 * m, some);
        }
    }

    /** One class of the chunk's 16 rows: the partial sums into {@code acc}, for {@link #store}. */
    private static void tile1(float[] xt, int t4, float[] w, int w0, float[] acc) {
        int g1 = t4 * LANES;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (int o = 0; o < g1; o += LANES) {
            FloatVector v = FloatVector.fromArray(F, w, w0 + o);
            s0 = FloatVector.fromArray(F, xt, o).fma(v, s0);
            s1 = FloatVector.fromArray(F, xt, g1 + o).fma(v, s1);
            s2 = FloatVector.fromArray(F, xt, 2 * g1 + o).fma(v, s2);
            s3 = FloatVector.fromArray(F, xt, 3 * g1 + o).fma(v, s3);
        }
        s0.intoArray(acc, 0);
        s1.intoArray(acc, LANES);
        s2.intoArray(acc, 2 * LANES);
        s3.intoArray(acc, 3 * LANES);
    }

    /**
     * The 16 scores of one class from the partial sums of groups 0..3 (4 lanes per row) at
     * {@code acc[from ..]}, plus the bias, into {@code c[o ..]}: {@code rows} of them.
     */
    private static void store(float[] acc, int from, float bias, float[] c, int o, int rows) {
        IntVector even = IntVector.fromArray(I, PERMUTE, 4 * LANES);
        IntVector odd = IntVector.fromArray(I, PERMUTE, 5 * LANES);
        IntVector q0 = FloatVector.fromArray(F, acc, from).reinterpretAsInts();
        IntVector q1 = FloatVector.fromArray(F, acc, from + LANES).reinterpretAsInts();
        IntVector q2 = FloatVector.fromArray(F, acc, from + 2 * LANES).reinterpretAsInts();
        IntVector q3 = FloatVector.fromArray(F, acc, from + 3 * LANES).reinterpretAsInts();
        IntVector h01 = even.selectFrom(q0, q1).reinterpretAsFloats().add(odd.selectFrom(q0, q1).reinterpretAsFloats())
                .reinterpretAsInts();
        IntVector h23 = even.selectFrom(q2, q3).reinterpretAsFloats().add(odd.selectFrom(q2, q3).reinterpretAsFloats())
                .reinterpretAsInts();
        FloatVector sum = even.selectFrom(h01, h23).reinterpretAsFloats().add(odd.selectFrom(h01, h23).reinterpretAsFloats())
                .add(bias);
        if (rows == CHUNK) {
            sum.intoArray(c, o);
        } else {
            sum.intoArray(c, o, F.indexInRange(0, rows));
        }
    }
}
