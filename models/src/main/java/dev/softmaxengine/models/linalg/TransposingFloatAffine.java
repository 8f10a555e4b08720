package dev.softmaxengine.models.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatAffine#applyByClass}: scores on 16-lane float vectors (AVX-512), vectorized
 * along the rows: a vector holds one class's scores of 16 rows, so it is stored straight into the
 * class-major output, every lane does useful work whatever the number of classes, and each feature
 * {@code p} adds {@code x[rows][p] * broadcast(w[p][j])}. That needs the batch feature-major:
 * each block of 32 rows is transposed 16 features at a time into a scratch array (16 x 16 tiles
 * in registers, four rounds of two-source permutes), from which the tiles read it back from L1,
 * while the next block is touched ahead ({@link Prefetch}).
 *
 * <p>Register tiles of 32 rows (two vectors) x 5 classes: each feature loads 2 row vectors and
 * broadcasts 5 weights for 10 independent fused multiply-adds, enough to cover the FMA latency on
 * two FMA pipes. Each lane sums in {@link FloatAffine}'s order (bias, then the features in order,
 * one FMA each), so the result equals the plain Java path bit for bit. Measured on digits (64
 * features, 10 classes, 1024 rows in L1/L2, the GEMM alone, whole block transposed first): 95 M
 * rows/s, against 63 M for
 * {@link VectorFloatAffine}, which spends a broadcast per FMA and 6 of its 16 lanes on padding, and
 * writes through a scratch array. The tiles are unrolled by hand, since C2 keeps vectors in
 * registers only as named locals, and kept small: a 32-row x 10-class tile (1445 bytes of
 * bytecode), or 64 rows x 5 classes, made C1 give up ("out of virtual registers"), which leaves
 * the tile in unprofiled C1 code, never compiled by C2, at 1-3% of the speed.
 */
final class TransposingFloatAffine {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** The lanes this class is written for. */
    static final int LANES = 16;
    /** Rows per block: two vectors. */
    private static final int BLOCK = 2 * LANES;
    /**
     * Features per step: each step transposes 16 features of the block and runs the tiles over
     * them, the partial sums kept in a scratch array between steps, so that one step's permutes
     * overlap the FMAs around them (transposing the whole block first kept the two apart: the
     * GEMM alone took 16-25 ns a row against 14 ns this way, best of 6, builds alternated, load
     * average 5).
     */
    private static final int STEP = LANES;
    /**
     * Permutation indices of the transposition: round {@code d} (8, 4, 2, 1) swaps the off-diagonal
     * {@code d x d} blocks of each {@code 2d x 2d} block; two index vectors per round (lower row of
     * a pair, upper row), index {@code 16 + l} meaning lane {@code l} of the second vector.
     */
    private static final int[] PERMUTE = permutations();

    private TransposingFloatAffine() {
    }

    /** Whether the preferred shape has exactly 16 float and 16 int lanes. */
    static boolean usable() {
        return F.length() == LANES && I.length() == LANES;
    }

    private static int[] permutations() {
        int[] idx = new int[8 * LANES];
        int s = 0;
        for (int d = LANES / 2; d >= 1; d /= 2, s++) {
            for (int l = 0; l < LANES; l++) {
                boolean low = (l & d) == 0;
                idx[2 * s * LANES + l] = low ? l : LANES + l - d;
                idx[(2 * s + 1) * LANES + l] = low ? l + d : LANES + l;
            }
        }
        return idx;
    }

    /**
     * {@code c[j * m + i] = bias[j] + sum_p a[aOffset + i*k + p] * wt[p * n + j]}: {@code wt} is the
     * weights feature-major ({@code k x n}), {@code c} class-major from index 0.
     */
    static void affine(float[] a, int aOffset, int m, int k, float[] wt, float[] bias, int n, float[] c) {
        float[] xt = new float[STEP * BLOCK];
        float[] acc = new float[n * BLOCK];
        float touched = 0;
        int end = aOffset + m * k;
        for (int i0 = 0; i0 < m; i0 += BLOCK) {
            int rows = Math.min(BLOCK, m - i0);
            int base = aOffset + i0 * k;
            int next = base + BLOCK * k;
            touched += Prefetch.lines(a, next, Math.min(next + BLOCK * k, end));
            for (int j = 0; j < n; j++) {
                FloatVector b = FloatVector.broadcast(F, bias[j]);
                b.intoArray(acc, j * BLOCK);
                b.intoArray(acc, j * BLOCK + LANES);
            }
            for (int p0 = 0; p0 < k; p0 += STEP) {
                int steps = Math.min(STEP, k - p0);
                transpose(a, base, rows, k, p0, steps, xt);
                int j = 0;
                for (; j + 5 <= n; j += 5) {
                    tile5(xt, steps, wt, n, p0, j, acc);
                }
                for (; j < n; j++) {
                    tile1(xt, steps, wt, n, p0, j, acc);
                }
            }
            for (int j = 0; j < n; j++) {
                FloatVector lower = FloatVector.fromArray(F, acc, j * BLOCK);
                FloatVector upper = FloatVector.fromArray(F, acc, j * BLOCK + LANES);
                if (rows == BLOCK) {
                    lower.intoArray(c, j * m + i0);
                    upper.intoArray(c, j * m + i0 + LANES);
                } else {
                    lower.intoArray(c, j * m + i0, F.indexInRange(0, rows));
                    upper.intoArray(c, j * m + i0 + LANES, F.indexInRange(LANES, rows));
                }
            }
        }
        Prefetch.keep(touched);
    }

    /**
     * {@code xt[p * BLOCK + r] = a[base + r * k + p0 + p]} for {@code p < steps}, {@code r < rows};
     * 0 for the rows past them.
     */
    private static void transpose(float[] a, int base, int rows, int k, int p0, int steps, float[] xt) {
        if (rows == BLOCK && steps == STEP) {
            transpose16(a, base + p0, k, xt, 0);
            transpose16(a, base + LANES * k + p0, k, xt, LANES);
            return;
        }
        for (int p = 0; p < steps; p++) {
            int o = p * BLOCK;
            for (int r = 0; r < BLOCK; r++) {
                xt[o + r] = r < rows ? a[base + r * k + p0 + p] : 0f;
            }
        }
    }

    /** The 16 x 16 tile of rows {@code a0, a0 + k, ...} into {@code xt} from {@code t0}, row {@code l} at {@code t0 + l * BLOCK}. */
    private static void transpose16(float[] a, int a0, int k, float[] xt, int t0) {
        IntVector r0 = FloatVector.fromArray(F, a, a0 + 0).reinterpretAsInts();
        IntVector r1 = FloatVector.fromArray(F, a, a0 + k).reinterpretAsInts();
        IntVector r2 = FloatVector.fromArray(F, a, a0 + 2 * k).reinterpretAsInts();
        IntVector r3 = FloatVector.fromArray(F, a, a0 + 3 * k).reinterpretAsInts();
        IntVector r4 = FloatVector.fromArray(F, a, a0 + 4 * k).reinterpretAsInts();
        IntVector r5 = FloatVector.fromArray(F, a, a0 + 5 * k).reinterpretAsInts();
        IntVector r6 = FloatVector.fromArray(F, a, a0 + 6 * k).reinterpretAsInts();
        IntVector r7 = FloatVector.fromArray(F, a, a0 + 7 * k).reinterpretAsInts();
        IntVector r8 = FloatVector.fromArray(F, a, a0 + 8 * k).reinterpretAsInts();
        IntVector r9 = FloatVector.fromArray(F, a, a0 + 9 * k).reinterpretAsInts();
        IntVector r10 = FloatVector.fromArray(F, a, a0 + 10 * k).reinterpretAsInts();
        IntVector r11 = FloatVector.fromArray(F, a, a0 + 11 * k).reinterpretAsInts();
        IntVector r12 = FloatVector.fromArray(F, a, a0 + 12 * k).reinterpretAsInts();
        IntVector r13 = FloatVector.fromArray(F, a, a0 + 13 * k).reinterpretAsInts();
        IntVector r14 = FloatVector.fromArray(F, a, a0 + 14 * k).reinterpretAsInts();
        IntVector r15 = FloatVector.fromArray(F, a, a0 + 15 * k).reinterpretAsInts();
        IntVector lo0 = IntVector.fromArray(I, PERMUTE, 0 * LANES);
        IntVector hi0 = IntVector.fromArray(I, PERMUTE, 1 * LANES);
        IntVector t0_0 = lo0.selectFrom(r0, r8);
        IntVector t0_8 = hi0.selectFrom(r0, r8);
        IntVector t0_1 = lo0.selectFrom(r1, r9);
        IntVector t0_9 = hi0.selectFrom(r1, r9);
        IntVector t0_2 = lo0.selectFrom(r2, r10);
        IntVector t0_10 = hi0.selectFrom(r2, r10);
        IntVector t0_3 = lo0.selectFrom(r3, r11);
        IntVector t0_11 = hi0.selectFrom(r3, r11);
        IntVector t0_4 = lo0.selectFrom(r4, r12);
        IntVector t0_12 = hi0.selectFrom(r4, r12);
        IntVector t0_5 = lo0.selectFrom(r5, r13);
        IntVector t0_13 = hi0.selectFrom(r5, r13);
        IntVector t0_6 = lo0.selectFrom(r6, r14);
        IntVector t0_14 = hi0.selectFrom(r6, r14);
        IntVector t0_7 = lo0.selectFrom(r7, r15);
        IntVector t0_15 = hi0.selectFrom(r7, r15);
        IntVector lo1 = IntVector.fromArray(I, PERMUTE, 2 * LANES);
        IntVector hi1 = IntVector.fromArray(I, PERMUTE, 3 * LANES);
        IntVector t1_0 = lo1.selectFrom(t0_0, t0_4);
        IntVector t1_4 = hi1.selectFrom(t0_0, t0_4);
        IntVector t1_1 = lo1.selectFrom(t0_1, t0_5);
        IntVector t1_5 = hi1.selectFrom(t0_1, t0_5);
        IntVector t1_2 = lo1.selectFrom(t0_2, t0_6);
        IntVector t1_6 = hi1.selectFrom(t0_2, t0_6);
        IntVector t1_3 = lo1.selectFrom(t0_3, t0_7);
        IntVector t1_7 = hi1.selectFrom(t0_3, t0_7);
        IntVector t1_8 = lo1.selectFrom(t0_8, t0_12);
        IntVector t1_12 = hi1.selectFrom(t0_8, t0_12);
        IntVector t1_9 = lo1.selectFrom(t0_9, t0_13);
        IntVector t1_13 = hi1.selectFrom(t0_9, t0_13);
        IntVector t1_10 = lo1.selectFrom(t0_10, t0_14);
        IntVector t1_14 = hi1.selectFrom(t0_10, t0_14);
        IntVector t1_11 = lo1.selectFrom(t0_11, t0_15);
        IntVector t1_15 = hi1.selectFrom(t0_11, t0_15);
        IntVector lo2 = IntVector.fromArray(I, PERMUTE, 4 * LANES);
        IntVector hi2 = IntVector.fromArray(I, PERMUTE, 5 * LANES);
        IntVector t2_0 = lo2.selectFrom(t1_0, t1_2);
        IntVector t2_2 = hi2.selectFrom(t1_0, t1_2);
        IntVector t2_1 = lo2.selectFrom(t1_1, t1_3);
        IntVector t2_3 = hi2.selectFrom(t1_1, t1_3);
        IntVector t2_4 = lo2.selectFrom(t1_4, t1_6);
        IntVector t2_6 = hi2.selectFrom(t1_4, t1_6);
        IntVector t2_5 = lo2.selectFrom(t1_5, t1_7);
        IntVector t2_7 = hi2.selectFrom(t1_5, t1_7);
        IntVector t2_8 = lo2.selectFrom(t1_8, t1_10);
        IntVector t2_10 = hi2.selectFrom(t1_8, t1_10);
        IntVector t2_9 = lo2.selectFrom(t1_9, t1_11);
        IntVector t2_11 = hi2.selectFrom(t1_9, t1_11);
        IntVector t2_12 = lo2.selectFrom(t1_12, t1_14);
        IntVector t2_14 = hi2.selectFrom(t1_12, t1_14);
        IntVector t2_13 = lo2.selectFrom(t1_13, t1_15);
        IntVector t2_15 = hi2.selectFrom(t1_13, t1_15);
        IntVector lo3 = IntVector.fromArray(I, PERMUTE, 6 * LANES);
        IntVector hi3 = IntVector.fromArray(I, PERMUTE, 7 * LANES);
        IntVector t3_0 = lo3.selectFrom(t2_0, t2_1);
        IntVector t3_1 = hi3.selectFrom(t2_0, t2_1);
        IntVector t3_2 = lo3.selectFrom(t2_2, t2_3);
        IntVector t3_3 = hi3.selectFrom(t2_2, t2_3);
        IntVector t3_4 = lo3.selectFrom(t2_4, t2_5);
        IntVector t3_5 = hi3.selectFrom(t2_4, t2_5);
        IntVector t3_6 = lo3.selectFrom(t2_6, t2_7);
        IntVector t3_7 = hi3.selectFrom(t2_6, t2_7);
        IntVector t3_8 = lo3.selectFrom(t2_8, t2_9);
        IntVector t3_9 = hi3.selectFrom(t2_8, t2_9);
        IntVector t3_10 = lo3.selectFrom(t2_10, t2_11);
        IntVector t3_11 = hi3.selectFrom(t2_10, t2_11);
        IntVector t3_12 = lo3.selectFrom(t2_12, t2_13);
        IntVector t3_13 = hi3.selectFrom(t2_12, t2_13);
        IntVector t3_14 = lo3.selectFrom(t2_14, t2_15);
        IntVector t3_15 = hi3.selectFrom(t2_14, t2_15);
        t3_0.reinterpretAsFloats().intoArray(xt, t0);
        t3_1.reinterpretAsFloats().intoArray(xt, t0 + BLOCK);
        t3_2.reinterpretAsFloats().intoArray(xt, t0 + 2 * BLOCK);
        t3_3.reinterpretAsFloats().intoArray(xt, t0 + 3 * BLOCK);
        t3_4.reinterpretAsFloats().intoArray(xt, t0 + 4 * BLOCK);
        t3_5.reinterpretAsFloats().intoArray(xt, t0 + 5 * BLOCK);
        t3_6.reinterpretAsFloats().intoArray(xt, t0 + 6 * BLOCK);
        t3_7.reinterpretAsFloats().intoArray(xt, t0 + 7 * BLOCK);
        t3_8.reinterpretAsFloats().intoArray(xt, t0 + 8 * BLOCK);
        t3_9.reinterpretAsFloats().intoArray(xt, t0 + 9 * BLOCK);
        t3_10.reinterpretAsFloats().intoArray(xt, t0 + 10 * BLOCK);
        t3_11.reinterpretAsFloats().intoArray(xt, t0 + 11 * BLOCK);
        t3_12.reinterpretAsFloats().intoArray(xt, t0 + 12 * BLOCK);
        t3_13.reinterpretAsFloats().intoArray(xt, t0 + 13 * BLOCK);
        t3_14.reinterpretAsFloats().intoArray(xt, t0 + 14 * BLOCK);
        t3_15.reinterpretAsFloats().intoArray(xt, t0 + 15 * BLOCK);
    }

    /**
     * Classes {@code j .. j + 4} of the block, features {@code p0 .. p0 + steps - 1}: the partial
     * sums from {@code acc} ({@code acc[j * BLOCK + r]}) and back.
     */
    private static void tile5(float[] xt, int steps, float[] wt, int n, int p0, int j, float[] acc) {
        FloatVector a0 = FloatVector.fromArray(F, acc, (j + 0) * BLOCK), b0 = FloatVector.fromArray(F, acc, (j + 0) * BLOCK + LANES);
        FloatVector a1 = FloatVector.fromArray(F, acc, (j + 1) * BLOCK), b1 = FloatVector.fromArray(F, acc, (j + 1) * BLOCK + LANES);
        FloatVector a2 = FloatVector.fromArray(F, acc, (j + 2) * BLOCK), b2 = FloatVector.fromArray(F, acc, (j + 2) * BLOCK + LANES);
        FloatVector a3 = FloatVector.fromArray(F, acc, (j + 3) * BLOCK), b3 = FloatVector.fromArray(F, acc, (j + 3) * BLOCK + LANES);
        FloatVector a4 = FloatVector.fromArray(F, acc, (j + 4) * BLOCK), b4 = FloatVector.fromArray(F, acc, (j + 4) * BLOCK + LANES);
        for (int p = 0; p < steps; p++) {
            FloatVector x0 = FloatVector.fromArray(F, xt, p * BLOCK);
            FloatVector x1 = FloatVector.fromArray(F, xt, p * BLOCK + LANES);
            int o = (p0 + p) * n + j;
            FloatVector w0 = FloatVector.broadcast(F, wt[o]);
            a0 = x0.fma(w0, a0);
            b0 = x1.fma(w0, b0);
            FloatVector w1 = FloatVector.broadcast(F, wt[o + 1]);
            a1 = x0.fma(w1, a1);
            b1 = x1.fma(w1, b1);
            FloatVector w2 = FloatVector.broadcast(F, wt[o + 2]);
            a2 = x0.fma(w2, a2);
            b2 = x1.fma(w2, b2);
            FloatVector w3 = FloatVector.broadcast(F, wt[o + 3]);
            a3 = x0.fma(w3, a3);
            b3 = x1.fma(w3, b3);
            FloatVector w4 = FloatVector.broadcast(F, wt[o + 4]);
            a4 = x0.fma(w4, a4);
            b4 = x1.fma(w4, b4);
        }
        a0.intoArray(acc, (j + 0) * BLOCK);
        b0.intoArray(acc, (j + 0) * BLOCK + LANES);
        a1.intoArray(acc, (j + 1) * BLOCK);
        b1.intoArray(acc, (j + 1) * BLOCK + LANES);
        a2.intoArray(acc, (j + 2) * BLOCK);
        b2.intoArray(acc, (j + 2) * BLOCK + LANES);
        a3.intoArray(acc, (j + 3) * BLOCK);
        b3.intoArray(acc, (j + 3) * BLOCK + LANES);
        a4.intoArray(acc, (j + 4) * BLOCK);
        b4.intoArray(acc, (j + 4) * BLOCK + LANES);
    }

    private static void tile1(float[] xt, int steps, float[] wt, int n, int p0, int j, float[] acc) {
        FloatVector a0 = FloatVector.fromArray(F, acc, j * BLOCK), b0 = FloatVector.fromArray(F, acc, j * BLOCK + LANES);
        for (int p = 0; p < steps; p++) {
            FloatVector w0 = FloatVector.broadcast(F, wt[(p0 + p) * n + j]);
            a0 = FloatVector.fromArray(F, xt, p * BLOCK).fma(w0, a0);
            b0 = FloatVector.fromArray(F, xt, p * BLOCK + LANES).fma(w0, b0);
        }
        a0.intoArray(acc, j * BLOCK);
        b0.intoArray(acc, j * BLOCK + LANES);
    }
}
