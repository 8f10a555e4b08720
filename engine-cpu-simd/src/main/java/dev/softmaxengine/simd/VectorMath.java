package dev.softmaxengine.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized exp for the arguments softmax and sigmoid produce: {@code x <= 0} or NaN.
 *
 * <p>Why not {@code lanewise(EXP)}: it is a scalar loop in the interpreter and C1 and an SVML call
 * under C2, so its speed and last-bit results depend on the JIT tier. Alone in a loop the SVML call
 * is about 20% faster (bench ExpBenchmark), but inside the softmax passes it is not inlined and
 * costs the loop its registers: fp32 softmax 4096x1024 on one AVX-512 thread ran at 18.2 GB/s with
 * this polynomial and 14.5 GB/s with {@code lanewise(EXP)} in its place. Both exps here use Cody-Waite range
 * reduction {@code x = n ln2 + r, |r| <= ln2/2} with FMA, a polynomial for {@code e^r} and an
 * exponent-field scale by {@code 2^n}.
 *
 * <ul>
 *   <li>float: a degree-6 minimax polynomial (Estrin's scheme below r^2), measured max error 0.90 ulp over [-87.3, 0];
 *       results below {@code Float.MIN_NORMAL} are flushed to 0 (absolute error < 1.2e-38).</li>
 *   <li>double: degree-13 Taylor polynomial (truncation < 2e-17 relative) in pairs, measured max error 1 ulp
 *       over [-708, 0]; results below {@code Double.MIN_NORMAL} flush to 0.</li>
 * </ul>
 * NaN gives NaN and -inf gives 0.
 *
 * <p>The constants are scalars broadcast at each use, which C2 hoists out of the loops; static final
 * vector constants cost C2 fewer parse nodes (see Rows.java.template's budget) but ran the float
 * exp at half the speed (5.2 against 2.4 ns a vector in L1): C2 reloads them at every use.
 */
final class VectorMath {
    private VectorMath() {
    }

    // float: 1.5 * 2^23 rounds x*log2(e) to the nearest integer in the low mantissa bits.
    private static final float F_ROUND = 12582912f;
    private static final int F_ROUND_BITS = Float.floatToRawIntBits(F_ROUND);
    private static final float F_LOG2E = 1.44269504088896341f;
    private static final float F_LN2_HI = 0.693359375f;
    private static final float F_LN2_LO = -2.12194440e-4f;
    /** ln(Float.MIN_NORMAL): below it the scale 2^n would leave the normal range. */
    private static final float F_MIN_ARG = -87.33654475f;

    static FloatVector expNonPositive(FloatVector x) {
        FloatVector t = x.fma(F_LOG2E, F_ROUND);
        FloatVector n = t.sub(F_ROUND);
        FloatVector r = n.fma(n.broadcast(-F_LN2_HI), x);
        r = n.fma(n.broadcast(-F_LN2_LO), r);
        // 1 + r (1 + r P(r)), P of degree 4 fitted minimax (Lawson) on |r| <= ln2/2 in float32:
        // truncation error 3.8e-9 relative (0.06 ulp), one FMA less than Cephes' degree-5 P. P by
        // Estrin's scheme in r^2, the two lowest steps as Horner (as accurate as a full Horner
        // chain; full Estrin measured 1.26 ulp): a chain of 5 dependent FMAs instead of 7.
        FloatVector r2 = r.mul(r);
        // fma(scalar, scalar) rather than of two broadcasts: the same code, 30% fewer parse nodes.
        FloatVector c32 = r.fma(0.1666652113199234f, 0.4999999403953552f);
        FloatVector c54 = r.fma(0.008368710055947304f, 0.04166838899254799f);
        FloatVector one = r.broadcast(1f);
        FloatVector p = r2.fma(r2.broadcast(0.001381461275741458f), c54).fma(r2, c32).fma(r, one).fma(r, one);
        FloatVector scale = t.reinterpretAsInts()
                .sub(F_ROUND_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        // The scale multiplies rather than adding n to p's exponent bits: a NaN input's payload
        // would survive in t and turn the sum of bits into a number.
        return p.mul(scale).blend(0f, x.compare(VectorOperators.LT, F_MIN_ARG));
    }

    // double: 1.5 * 2^52, same trick.
    private static final double D_ROUND = 6755399441055744.0;
    private static final long D_ROUND_BITS = Double.doubleToRawLongBits(D_ROUND);
    private static final double D_LOG2E = 1.4426950408889634;
    private static final double D_LN2_HI = 6.93147180369123816490e-01;
    private static final double D_LN2_LO = 1.90821492927058770002e-10;
    private static final double D_MIN_ARG = -708.3964185322641;

    static DoubleVector expNonPositive(DoubleVector x) {
        DoubleVector t = x.fma(D_LOG2E, D_ROUND);
        DoubleVector n = t.sub(D_ROUND);
        DoubleVector r = n.fma(n.broadcast(-D_LN2_HI), x);
        r = n.fma(n.broadcast(-D_LN2_LO), r);
        // 1 + r + r^2 q(r), q = 1/2! + r/3! + ... + r^11/13!, as six pairs (1/k! + r/(k+1)!) in a
        // Horner chain of r^2: the same FMA count as one Horner chain in r, half its length.
        DoubleVector r2 = r.mul(r);
        DoubleVector q = pair(r, 1.0 / 6227020800.0, 1.0 / 479001600.0)
                .fma(r2, pair(r, 1.0 / 39916800.0, 1.0 / 3628800.0))
                .fma(r2, pair(r, 1.0 / 362880.0, 1.0 / 40320.0))
                .fma(r2, pair(r, 1.0 / 5040.0, 1.0 / 720.0))
                .fma(r2, pair(r, 1.0 / 120.0, 1.0 / 24.0))
                .fma(r2, pair(r, 1.0 / 6.0, 0.5));
        DoubleVector p = q.fma(r2, r).add(1.0);
        DoubleVector scale = t.reinterpretAsLongs()
                .sub(D_ROUND_BITS - 1023)
                .lanewise(VectorOperators.LSHL, 52)
                .reinterpretAsDoubles();
        return p.mul(scale).blend(0.0, x.compare(VectorOperators.LT, D_MIN_ARG));
    }

    /**
     * The sum of v's lanes in one fixed order, a halving tree (lane i + lane i + L/2, then ...),
     * the same in every JIT tier. Not {@code reduceLanes(ADD)}: its order is unspecified, and it
     * differs between tiers: the Java fallback that runs in the interpreter and C1 adds the lanes
     * in sequence, C2 in its own tree. So the first calls of a JVM, and a frame deoptimized while
     * it runs (closing a shared arena deoptimizes frames inside a memory access on every thread),
     * gave results 1-2 ulp off the steady state's, and results were not bit-reproducible.
     */
    static float sum(FloatVector v) {
        // Constant shuffles, one per level: a shuffle built per call is not folded by C2 and made
        // short rows 1.8x slower than reduceLanes. The conditions fold too (L is a constant). Not
        // through memory (a vector store, then scalar adds): the narrow loads from a wide store
        // miss store forwarding, 15 ns a call against 1.2.
        int l = FLOATS.length();
        if (l >= 16) {
            v = v.add(v.rearrange(F_DOWN8));
        }
        if (l >= 8) {
            v = v.add(v.rearrange(F_DOWN4));
        }
        if (l >= 4) {
            v = v.add(v.rearrange(F_DOWN2));
        }
        if (l >= 2) {
            v = v.add(v.rearrange(F_DOWN1));
        }
        return v.lane(0);
    }

    /** The sum of v's lanes in one fixed order; see {@link #sum(FloatVector)}. */
    static double sum(DoubleVector v) {
        int l = DOUBLES.length();
        if (l >= 8) {
            v = v.add(v.rearrange(D_DOWN4));
        }
        if (l >= 4) {
            v = v.add(v.rearrange(D_DOWN2));
        }
        if (l >= 2) {
            v = v.add(v.rearrange(D_DOWN1));
        }
        return v.lane(0);
    }

    // The kernels' species (preferred), and lane i <- lane i + h, wrapping, for each tree level h.
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float> F_DOWN8 = VectorShuffle.iota(FLOATS, 8, 1, true);
    private static final VectorShuffle<Float> F_DOWN4 = VectorShuffle.iota(FLOATS, 4, 1, true);
    private static final VectorShuffle<Float> F_DOWN2 = VectorShuffle.iota(FLOATS, 2, 1, true);
    private static final VectorShuffle<Float> F_DOWN1 = VectorShuffle.iota(FLOATS, 1, 1, true);
    private static final VectorShuffle<Double> D_DOWN4 = VectorShuffle.iota(DOUBLES, 4, 1, true);
    private static final VectorShuffle<Double> D_DOWN2 = VectorShuffle.iota(DOUBLES, 2, 1, true);
    private static final VectorShuffle<Double> D_DOWN1 = VectorShuffle.iota(DOUBLES, 1, 1, true);

    /**
     * log1p of each lane for the {@code e = e^-|x|} in [0, 1] (or NaN) that log-sigmoid takes. Not
     * {@code lanewise(LOG1P)}: that is an SVML call under C2 and StrictMath in the Java fallback,
     * which differ in the last bit, so log-sigmoid changed with the JIT tier. Goldberg's
     * {@code log1p(e) = log(u) * e / (u - 1)} with {@code u = 1 + e} rounded (e itself when u is 1),
     * and log(u) as fdlibm's {@code e_log.c}: u = 2^k m with m in [sqrt(1/2), sqrt(2)], f = m - 1
     * (exact), s = f / (2 + f), log(m) = f - f^2/2 + s (f^2/2 + R(s^2)) with fdlibm's minimax R.
     * About 2 ulp in all.
     */
    static DoubleVector log1p(DoubleVector e) {
        DoubleVector u = e.add(1.0);
        VectorMask<Double> halve = u.compare(VectorOperators.GT, D_SQRT2);
        DoubleVector m = u.blend(u.mul(0.5), halve);
        DoubleVector logU = logReduced(m.sub(1.0), e.broadcast(0).blend(1.0, halve));
        DoubleVector um1 = u.sub(1.0);
        return logU.mul(e.div(um1)).blend(e, um1.compare(VectorOperators.EQ, 0));
    }

    /** log1p of each lane in [0, 1] or NaN, as {@link #log1p(DoubleVector)} with fdlibm's {@code e_logf.c}. */
    static FloatVector log1p(FloatVector e) {
        FloatVector u = e.add(1f);
        VectorMask<Float> halve = u.compare(VectorOperators.GT, F_SQRT2);
        FloatVector m = u.blend(u.mul(0.5f), halve);
        FloatVector logU = logReduced(m.sub(1f), e.broadcast(0).blend(1f, halve));
        FloatVector um1 = u.sub(1f);
        return logU.mul(e.div(um1)).blend(e, um1.compare(VectorOperators.EQ, 0));
    }

    /**
     * log of each lane for the positive normal numbers that sums of exps are (NaN stays NaN; other
     * lanes, zero, subnormal, negative or infinite, give no meaningful result). Not {@code
     * lanewise(LOG)}: an SVML call under C2 and StrictMath in the Java fallback, which differ in
     * the last bit, so results would change with the JIT tier. x = 2^k m with m in [sqrt(1/2),
     * sqrt(2)) from the bits, then log(m) as in {@link #log1p(DoubleVector)} (fdlibm's {@code
     * e_log.c}): under 1 ulp.
     */
    static DoubleVector log(DoubleVector x) {
        LongVector bits = x.reinterpretAsLongs();
        DoubleVector m = bits.and(0x000FFFFFFFFFFFFFL).or(0x3FF0000000000000L).reinterpretAsDoubles();
        DoubleVector k = (DoubleVector) bits.lanewise(VectorOperators.LSHR, 52).sub(1023L)
                .convert(VectorOperators.L2D, 0);
        VectorMask<Double> halve = m.compare(VectorOperators.GT, D_SQRT2);
        m = m.blend(m.mul(0.5), halve);
        return logReduced(m.sub(1.0), k.blend(k.add(1.0), halve)).blend(x, x.compare(VectorOperators.NE, x));
    }

    /** log(2^k (1 + f)) for f = m - 1, m in [sqrt(1/2), sqrt(2)]: fdlibm's {@code e_log.c} core. */
    private static DoubleVector logReduced(DoubleVector f, DoubleVector k) {
        DoubleVector s = f.div(f.add(2.0));
        DoubleVector z = s.mul(s);
        DoubleVector w = z.mul(z);
        DoubleVector t1 = w.fma(w.fma(D_LG6, D_LG4), w.broadcast(D_LG2)).mul(w);
        DoubleVector t2 = w.fma(w.fma(w.fma(D_LG7, D_LG5), w.broadcast(D_LG3)), w.broadcast(D_LG1)).mul(z);
        DoubleVector hfsq = f.mul(f).mul(0.5);
        return k.mul(D_LN2_HI).sub(hfsq.sub(s.mul(hfsq.add(t1.add(t2))).add(k.mul(D_LN2_LO))).sub(f));
    }

    /** {@link #log(DoubleVector)} in float32, with fdlibm's {@code e_logf.c}: about 1 ulp. */
    static FloatVector log(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        FloatVector m = bits.and(0x007FFFFF).or(0x3F800000).reinterpretAsFloats();
        FloatVector k = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(127)
                .convert(VectorOperators.I2F, 0);
        VectorMask<Float> halve = m.compare(VectorOperators.GT, F_SQRT2);
        m = m.blend(m.mul(0.5f), halve);
        return logReduced(m.sub(1f), k.blend(k.add(1f), halve)).blend(x, x.compare(VectorOperators.NE, x));
    }

    /** {@link #logReduced(DoubleVector, DoubleVector)} in float32: fdlibm's {@code e_logf.c} core. */
    private static FloatVector logReduced(FloatVector f, FloatVector k) {
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector w = z.mul(z);
        FloatVector t1 = w.fma(F_LG4, F_LG2).mul(w);
        FloatVector t2 = w.fma(F_LG3, F_LG1).mul(z);
        FloatVector hfsq = f.mul(f).mul(0.5f);
        return k.mul(F_LN2_HI_LOG).sub(hfsq.sub(s.mul(hfsq.add(t1.add(t2))).add(k.mul(F_LN2_LO_LOG))).sub(f));
    }

    // fdlibm e_log.c and e_logf.c.
    private static final double D_SQRT2 = 1.4142135623730951;
    private static final double D_LG1 = 6.666666666666735130e-01;
    private static final double D_LG2 = 3.999999999940941908e-01;
    private static final double D_LG3 = 2.857142874366239149e-01;
    private static final double D_LG4 = 2.222219843214978396e-01;
    private static final double D_LG5 = 1.818357216161805012e-01;
    private static final double D_LG6 = 1.531383769920937332e-01;
    private static final double D_LG7 = 1.479819860511658591e-01;
    private static final float F_SQRT2 = 1.4142135f;
    private static final float F_LG1 = 0xaaaaaa.0p-24f;
    private static final float F_LG2 = 0xccce13.0p-25f;
    private static final float F_LG3 = 0x91e9ee.0p-25f;
    private static final float F_LG4 = 0xf89e26.0p-26f;
    private static final float F_LN2_HI_LOG = 6.9313812256e-01f;
    private static final float F_LN2_LO_LOG = 9.0580006145e-06f;

    /**
     * {@code hi * r + lo}: the odd coefficient times r plus the even one below it. fma(scalar,
     * scalar) rather than of two broadcasts: the same code, 30% fewer of the parse nodes that C2's
     * inlining budget counts (see Rows.java.template).
     */
    private static DoubleVector pair(DoubleVector r, double hi, double lo) {
        return r.fma(hi, lo);
    }
}
