package dev.softmaxengine.simd;

import java.lang.foreign.MemorySegment;

import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.OpRequest;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * float16 requests, and bfloat16 ones in arrays (bfloat16 in native segments has row kernels of its
 * own, {@link BFloat16SegmentRows}): blocks of at most {@link #BLOCK} elements are widened into a
 * float32 scratch array of the calling thread, run by the float32 array kernels ({@link FloatRows})
 * and rounded back, so the 16-bit dtypes share every float32 strategy and its numerics and add
 * one rounding of the result. The block stays in the core's cache between the three steps, so
 * memory sees 2 bytes read and 2 written per element; float16 segments go through a bulk copy
 * into a short[]. Work units: rows (last axis), elements (elementwise) or tiles of a slab's
 * columns (other axes), as {@link #units} counts them.
 *
 * <p>Conversions: bfloat16 is the top half of a float, widened with a 16-bit shift of the
 * sign-extended lanes and narrowed to nearest even with the usual add-and-shift (NaN kept quiet)
 * in the Vector API; float16 uses {@link Float#float16ToFloat} and {@link Float#floatToFloat16},
 * which C2 compiles to vector conversions (vcvtph2ps / vcvtps2ph) in these loops.
 */
final class HalfRows {
    /** Elements widened per block: 32 KB of float32, a core's L1. */
    static final int BLOCK = 1 << 13;

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(FS.length() * 16));
    private static final int L = FS.length();

    private HalfRows() {
    }

    /** Per-thread scratch, sized to the last request's blocks (reused while the shape repeats). */
    private static final class Scratch {
        float[] values = new float[0];
        float[] reduced = new float[0];
        int[] indices = new int[0];
        short[] bits = new short[0];

        float[] values(int n) {
            if (values.length != n) {
                values = new float[n];
            }
            return values;
        }

        float[] reduced(int n) {
            if (reduced.length != n) {
                reduced = new float[n];
            }
            return reduced;
        }

        int[] indices(int n) {
            if (indices.length != n) {
                indices = new int[n];
            }
            return indices;
        }

        short[] bits(int n) {
            if (bits.length < n) {
                bits = new short[Math.max(n, BLOCK)];
            }
            return bits;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The work units of {@code r}: rows, elements, or column tiles of each slab along a non-last axis. */
    static long units(OpRequest r) {
        if (r.op().isElementwise()) {
            return r.n();
        }
        if (r.inner() == 1) {
            return r.outer();
        }
        return r.outer() * tilesPerSlab(r);
    }

    private static int tileWidth(OpRequest r) {
        return (int) Math.max(1, Math.min(r.inner(), BLOCK / Math.max(1, r.n())));
    }

    private static long tilesPerSlab(OpRequest r) {
        int w = tileWidth(r);
        return (r.inner() + w - 1) / w;
    }

    /** Runs units [from, to) of {@code r} on the calling thread. */
    static void run(OpRequest r, long from, long to) {
        if (r.op().isElementwise()) {
            elementwise(r, from, to);
        } else if (r.inner() == 1) {
            rows(r, from, to);
        } else {
            strided(r, from, to);
        }
    }

    private static void elementwise(OpRequest r, long from, long to) {
        Scratch s = SCRATCH.get();
        float[] v = s.values(BLOCK);
        Tensor t = Tensor.of(v, BLOCK);
        OpRequest f = OpRequest.of(r.op(), t, t);
        boolean log = r.op() == Op.LOG_SIGMOID;
        for (long e = from; e < to; e += BLOCK) {
            int count = (int) Math.min(BLOCK, to - e);
            load(r.dtype(), r.in(), e, v, 0, count, s);
            FloatRows.INSTANCE.sigmoid(f, 0, count, log);
            store(r.dtype(), v, 0, r.out(), e, count, s);
        }
    }

    private static void rows(OpRequest r, long from, long to) {
        Scratch s = SCRATCH.get();
        int n = (int) r.n();
        int per = Math.max(1, BLOCK / n);
        float[] v = s.values(per * n);
        Tensor t = Tensor.of(v, per, n);
        DType d = r.dtype();
        boolean log = r.op() == Op.LOG_SOFTMAX;
        OpRequest f = switch (r.op()) {
            case LOGSUMEXP -> OpRequest.of(r.op(), t, Tensor.of(s.reduced(per), per));
            case ARGMAX -> OpRequest.of(r.op(), t, Tensor.of(s.indices(per), per));
            default -> OpRequest.of(r.op(), t, t, -1, r.temperature(), false);
        };
        for (long o = from; o < to; o += per) {
            int rows = (int) Math.min(per, to - o);
            int count = rows * n;
            load(d, r.in(), o * n, v, 0, count, s);
            switch (r.op()) {
                case SOFTMAX, LOG_SOFTMAX -> FloatRows.INSTANCE.softmax(f, 0, rows, log);
                case HARDMAX -> FloatRows.INSTANCE.hardmax(f, 0, rows);
                case LOGSUMEXP -> FloatRows.INSTANCE.logSumExp(f, 0, rows);
                case ARGMAX -> FloatRows.INSTANCE.argmax(f, 0, rows);
                default -> throw new AssertionError(r.op());
            }
            switch (r.op()) {
                case LOGSUMEXP -> store(d, s.reduced, 0, r.out(), o, rows, s);
                case ARGMAX -> System.arraycopy(s.indices, 0, ((ArrayTensor) r.out()).ints(), (int) o, rows);
                default -> store(d, v, 0, r.out(), o * n, count, s);
            }
        }
    }

    /**
     * Units of (slab o, columns [c, c + w)): the tile's n x w elements gathered into a [1, n, w]
     * float32 tensor and run by the float32 strided kernels. A narrower last tile leaves stale
     * columns in the scratch, computed and discarded (columns are independent).
     */
    private static void strided(OpRequest r, long from, long to) {
        Scratch s = SCRATCH.get();
        int n = (int) r.n();
        long inner = r.inner();
        int w = tileWidth(r);
        long tiles = tilesPerSlab(r);
        float[] v = s.values(n * w);
        Tensor t = Tensor.of(v, 1, n, w);
        DType d = r.dtype();
        boolean log = r.op() == Op.LOG_SOFTMAX;
        OpRequest f = switch (r.op()) {
            case LOGSUMEXP -> OpRequest.of(r.op(), t, Tensor.of(s.reduced(w), 1, w), 1);
            case ARGMAX -> OpRequest.of(r.op(), t, Tensor.of(s.indices(w), 1, w), 1);
            default -> OpRequest.of(r.op(), t, t, 1, r.temperature(), false);
        };
        long units = FloatRows.INSTANCE.stridedUnits(f);
        for (long u = from; u < to; u++) {
            long o = u / tiles;
            long c = (u % tiles) * w;
            int width = (int) Math.min(w, inner - c);
            long base = o * n * inner + c;
            for (int k = 0; k < n; k++) {
                load(d, r.in(), base + k * inner, v, k * w, width, s);
            }
            switch (r.op()) {
                case SOFTMAX, LOG_SOFTMAX -> FloatRows.INSTANCE.softmaxStrided(f, 0, units, log);
                case HARDMAX -> FloatRows.INSTANCE.hardmaxStrided(f, 0, units);
                case LOGSUMEXP -> FloatRows.INSTANCE.logSumExpStrided(f, 0, units);
                case ARGMAX -> FloatRows.INSTANCE.argmaxStrided(f, 0, units);
                default -> throw new AssertionError(r.op());
            }
            switch (r.op()) {
                case LOGSUMEXP -> store(d, s.reduced, 0, r.out(), o * inner + c, width, s);
                case ARGMAX -> System.arraycopy(s.indices, 0, ((ArrayTensor) r.out()).ints(), (int) (o * inner + c), width);
                default -> {
                    for (int k = 0; k < n; k++) {
                        store(d, v, k * w, r.out(), base + k * inner, width, s);
                    }
                }
            }
        }
    }

    // ---- conversions: arrays directly, segments through a short[] ----

    /** Elements [from, from + count) of the 16-bit tensor {@code t}, widened into dst[off, off + count). */
    private static void load(DType d, Tensor t, long from, float[] dst, int off, int count, Scratch s) {
        if (t instanceof ArrayTensor a) {
            widen(d, a.shorts(), (int) from, dst, off, count);
            return;
        }
        short[] bits = s.bits(count);
        MemorySegment.copy(t.asHostSegment(), Tensor.I16, from * Short.BYTES, bits, 0, count);
        widen(d, bits, 0, dst, off, count);
    }

    /** src[off, off + count) rounded into elements [at, at + count) of the 16-bit tensor {@code t}. */
    private static void store(DType d, float[] src, int off, Tensor t, long at, int count, Scratch s) {
        if (t instanceof ArrayTensor a) {
            narrow(d, src, off, a.shorts(), (int) at, count);
            return;
        }
        short[] bits = s.bits(count);
        narrow(d, src, off, bits, 0, count);
        MemorySegment.copy(bits, 0, t.asHostSegment(), Tensor.I16, at * Short.BYTES, count);
    }

    /** The bfloat16 bits of each lane in the low half of an int: to nearest even, NaN kept quiet. */
    private static IntVector roundBf16(FloatVector v) {
        IntVector b = v.reinterpretAsInts();
        IntVector high = b.lanewise(VectorOperators.LSHR, 16);
        // Round to nearest even: add 0x7fff plus the lowest kept bit, then drop the low half.
        IntVector rounded = b.add(high.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = b.and(0x7fffffff).compare(VectorOperators.GT, 0x7f800000);
        return rounded.blend(high.or(0x40), nan);
    }

    static void widen(DType d, short[] src, int from, float[] dst, int off, int count) {
        int i = 0;
        if (d == DType.BFLOAT16) {
            for (; i <= count - L; i += L) {
                ShortVector h = ShortVector.fromArray(SS, src, from + i);
                IntVector bits = ((IntVector) h.convertShape(VectorOperators.S2I, IS, 0)).lanewise(VectorOperators.LSHL, 16);
                bits.reinterpretAsFloats().intoArray(dst, off + i);
            }
            for (; i < count; i++) {
                dst[off + i] = Float.intBitsToFloat(src[from + i] << 16);
            }
        } else {
            for (; i < count; i++) {
                dst[off + i] = Float.float16ToFloat(src[from + i]);
            }
        }
    }

    static void narrow(DType d, float[] src, int off, short[] dst, int at, int count) {
        int i = 0;
        if (d == DType.BFLOAT16) {
            for (; i <= count - L; i += L) {
                ((ShortVector) roundBf16(FloatVector.fromArray(FS, src, off + i)).convertShape(VectorOperators.I2S, SS, 0))
                        .intoArray(dst, at + i);
            }
            for (; i < count; i++) {
                dst[at + i] = dev.softmaxengine.api.Half.floatToBf16(src[off + i]);
            }
        } else {
            for (; i < count; i++) {
                dst[at + i] = Float.floatToFloat16(src[off + i]);
            }
        }
    }
}
