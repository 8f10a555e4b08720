package dev.softmaxengine.simd;

import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.spi.Philox;
import dev.softmaxengine.api.spi.Selection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Top-k and sample without sorting a row: a bounded heap of the k best, where a vector compare
 * against the heap's worst skips the lanes that cannot enter (after the first k, nearly all of a
 * logits row); for a sample without top-k, the vector exp, a histogram of the probabilities and a
 * bisection over the order keys of the one bucket that holds it find the top-p boundary. Both follow
 * {@link Selection}'s rules, and a row is always computed by one thread in one order, so the
 * results do not depend on threads or batch split; the draws, kept sets and sums of the top-k path
 * are the oracle's bit for bit.
 *
 * <p>Top-k of float32 rows scans them where they lie; of bfloat16 and float16 rows, blocks of
 * {@link #BLOCK} elements widened (exactly) to float32 by the Vector API, the same scans then running
 * over the block, and the values written are the input's own 16-bit elements. Every other slice
 * (sample, float64, a non-last axis) is read into an fp64 scratch row first (one pass, strided for
 * a non-last axis), so one code path serves every dtype and tensor kind: a 16-bit row so read is
 * its exact float32 widening, and draws what that float32 row draws.
 */
final class VectorSelection {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> K = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** As many 16-bit lanes as {@link #F} has floats: one load widens into one float vector. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** 16-bit elements widened per block (a bar's sample is widened whole): 8 KB of float32, which stays in L1 while it is scanned. */
    static final int BLOCK = 1 << 11;

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

        double[] candidateP;
        long[] candidateKeys;

        double[] p() {
            return p != null ? p : (p = new double[row.length]);
        }

        double[] candidateP() {
            return candidateP != null ? candidateP : (candidateP = new double[row.length]);
        }

        double[] histogram;

        double[] histogram() {
            return histogram != null ? histogram : (histogram = new double[BUCKETS]);
        }

        long[] candidateKeys() {
            return candidateKeys != null ? candidateKeys : (candidateKeys = new long[row.length]);
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
        int[] sorted = new int[k];
        boolean half = r.in().dtype().isHalf();
        if (inner == 1 && half) {
            topKHalves(r, from, to, sorted);
            return;
        }
        if (inner == 1 && r.in().dtype() == DType.FLOAT32
                && (r.in() instanceof SegmentTensor || r.in() instanceof ArrayTensor)) {
            // Rows of floats are scanned where they lie (an array as its heap segment): no fp64 copy,
            // twice the lanes per compare.
            MemorySegment in = r.in().asHostSegment();
            // Room for the sample's heap too (its rank is at most max(SAMPLE_RANK, k)).
            long[] heap = new long[Math.max(k, SAMPLE_RANK)];
            int[] candidates = new int[candidateRoom(n, k) + F.length()];
            float[] kept = new float[candidates.length];
            for (long row = from; row < to; row++) {
                long base = row * n;
                bestFloats(in, base, n, k, heap, sorted, candidates, kept);
                for (int j = 0; j < k; j++) {
                    values.set(row * k + j, in.getAtIndex(Tensor.F32, base + sorted[j]));
                    indices.set(row * k + j, sorted[j]);
                }
            }
            return;
        }
        Scratch s = new Scratch(n, k);
        for (long slice = from; slice < to; slice++) {
            long o = slice / inner;
            long i = slice % inner;
            read(r.in(), o * n * inner + i, inner, s.row);
            best(s, n, k, sorted);
            long outBase = o * k * inner + i;
            for (int j = 0; j < k; j++) {
                if (half) {
                    copyBits(r.in(), o * n * inner + i + sorted[j] * inner, values, outBase + j * inner);
                } else {
                    values.set(outBase + j * inner, s.row[sorted[j]]);
                }
                indices.set(outBase + j * inner, sorted[j]);
            }
        }
    }

    /** Element {@code from} of 16-bit {@code in} into element {@code to} of {@code out}, its bits unchanged. */
    private static void copyBits(Tensor in, long from, Tensor out, long to) {
        out.asHostSegment().setAtIndex(Tensor.I16, to, in.asHostSegment().getAtIndex(Tensor.I16, from));
    }

    /**
     * Top-k of 16-bit rows, widened into a float32 scratch a block at a time: a long row's bar is
     * sampled from its widened start, and each block keeps its entries above it, as
     * {@link #aboveSampledBar} does for a float32 row; otherwise (or where the bar fails) each block
     * is offered to one heap by {@link #scan}. The values written are the input's bits. The scratch
     * is off-heap: the scans' vector loads then see native segments only, as float32 rows give
     * them (a heap scratch halved both dtypes' speed once both had run).
     */
    private static void topKHalves(OpRequest r, long from, long to, int[] sorted) {
        int n = (int) r.n();
        // Room for a block, or for a bar's sample, widened whole.
        int most = Math.max(Math.min(n, BLOCK), sampleLength(n, r.k()));
        try (Arena arena = Arena.ofConfined()) {
            topKHalves(r, from, to, sorted, arena.allocate((long) most * Float.BYTES, 64), most);
        }
    }

    private static void topKHalves(OpRequest r, long from, long to, int[] sorted, MemorySegment widened, int most) {
        int n = (int) r.n();
        int k = r.k();
        int sample = sampleLength(n, k);
        Widener widen = new Widener(r.in(), most);
        long[] heap = new long[Math.max(k, SAMPLE_RANK)];
        int room = candidateRoom(n, k);
        int[] candidates = sample == 0 ? null : new int[room + F.length()];
        float[] kept = sample == 0 ? null : new float[candidates.length];
        Tensor values = r.out();
        Tensor indices = r.secondOut().orElseThrow();
        for (long row = from; row < to; row++) {
            long base = row * n;
            if (!aboveWidenedBar(widen, base, n, k, sample, widened, heap, candidates, kept, room)) {
                int filled = 0;
                for (int b = 0; b < n; b += BLOCK) {
                    int count = Math.min(BLOCK, n - b);
                    widen.into(base + b, widened, count);
                    filled = scan(widened, 0, b, count, k, heap, filled);
                }
            }
            pop(heap, k, sorted);
            for (int j = 0; j < k; j++) {
                copyBits(r.in(), base + sorted[j], values, row * k + j);
                indices.set(row * k + j, sorted[j]);
            }
        }
    }

    /** {@link #aboveSampledBar} of a 16-bit row, its sample and blocks widened into {@code widened}. */
    private static boolean aboveWidenedBar(Widener widen, long base, int n, int k, int sample, MemorySegment widened,
                                           long[] heap, int[] candidates, float[] kept, int room) {
        if (sample == 0) {
            return false;
        }
        widen.into(base, widened, sample);
        float bar = bar(widened, 0, n, k, sample, heap);
        if (bar != bar) {
            return false;
        }
        // The sample's entries are kept from where it was widened, the rest a block at a time.
        int c = keepAtLeast(widened, 0, 0, sample, bar, candidates, kept, 0, room);
        for (int b = sample; b < n && c >= 0; b += BLOCK) {
            int count = Math.min(BLOCK, n - b);
            widen.into(base + b, widened, count);
            c = keepAtLeast(widened, 0, b, count, bar, candidates, kept, c, room);
        }
        return heapOfKept(heap, k, kept, candidates, c);
    }

    /** Widens a 16-bit tensor's elements into float32, exactly. */
    private static final class Widener {
        private final boolean bf16;
        private final MemorySegment in;
        private final short[] array;
        /** float16 segments are copied into shorts first: the conversion loop then vectorizes. */
        private final short[] bits;
        /** float16's widening, copied into the scratch segment. */
        private final float[] floats;

        Widener(Tensor t, int most) {
            bf16 = t.dtype() == DType.BFLOAT16;
            in = t.asHostSegment();
            array = t instanceof ArrayTensor a ? a.shorts() : null;
            bits = !bf16 && array == null ? new short[most] : null;
            floats = bf16 ? null : new float[most];
        }

        /** Elements [at, at + count) into float32 elements [0, count) of dst. */
        void into(long at, MemorySegment dst, int count) {
            if (bf16) {
                widenBf16(in, at, dst, count);
                return;
            }
            if (array != null) {
                widenF16(array, (int) at, floats, count);
            } else {
                MemorySegment.copy(in, Tensor.I16, at * Short.BYTES, bits, 0, count);
                widenF16(bits, 0, floats, count);
            }
            MemorySegment.copy(floats, 0, dst, Tensor.F32, 0, count);
        }
    }

    /**
     * {@code count} bfloat16 elements of {@code in} from element {@code at}, widened (the bits
     * shifted up 16) into dst's floats. Stored as bytes, as the row kernels store into native
     * segments (see Rows.java.template): a float vector store into a native segment runs 2-3x
     * slower once the JDK's fallbacks have stored float vectors into heap segments.
     */
    private static void widenBf16(MemorySegment in, long at, MemorySegment dst, int count) {
        int i = 0;
        for (; i <= count - F.length(); i += F.length()) {
            ShortVector h = ShortVector.fromMemorySegment(S, in, (at + i) * Short.BYTES, ORDER);
            ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsBytes().intoMemorySegment(dst, (long) i * Float.BYTES, ORDER);
        }
        for (; i < count; i++) {
            dst.setAtIndex(Tensor.F32, i, Float.intBitsToFloat(in.getAtIndex(Tensor.I16, at + i) << 16));
        }
    }

    /** {@code count} float16 elements of {@code src} from {@code from}, widened (C2 emits vcvtph2ps for this loop). */
    private static void widenF16(short[] src, int from, float[] dst, int count) {
        for (int i = 0; i < count; i++) {
            dst[i] = Float.float16ToFloat(src[from + i]);
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
        if (in.dtype().isHalf()) {
            // Widened exactly, so the row is the float32 widening's, and draws as it does.
            MemorySegment seg = in.asHostSegment();
            boolean bf16 = in.dtype() == DType.BFLOAT16;
            for (int k = 0; k < n; k++) {
                short b = seg.getAtIndex(Tensor.I16, base + k * stride);
                row[k] = bf16 ? Float.intBitsToFloat(b << 16) : Float.float16ToFloat(b);
            }
            return;
        }
        if (in instanceof SegmentTensor t && stride == 1) {
            MemorySegment seg = t.segment();
            if (in.dtype() == DType.FLOAT64) {
                MemorySegment.copy(seg, Tensor.F64, base * Double.BYTES, row, 0, n);
            } else {
                for (int k = 0; k < n; k++) {
                    row[k] = seg.getAtIndex(Tensor.F32, base + k);
                }
            }
            return;
        }
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

    /** Vectors compared against the heap's worst per check: one branch per 64 floats of AVX-512. */
    private static final int UNROLL = 4;

    /**
     * {@link #best} over {@code n} floats of {@code in} from element {@code base}, read in place,
     * with the same result. The heap holds entries packed into longs that order them as top-k ranks
     * them ({@link #entry}), so a sift compares one long instead of a key and an index. A block of
     * {@value #UNROLL} vectors whose lanes are all at most the heap's worst is skipped with one
     * compare (against their lanewise max, which keeps a NaN); in a block with some, only those
     * lanes are offered to the heap, each against the worst of the moment.
     */
    private static void bestFloats(MemorySegment in, long base, int n, int k, long[] heap, int[] sorted,
                                   int[] candidates, float[] kept) {
        if (!aboveSampledBar(in, base, n, k, heap, candidates, kept)) {
            scan(in, base, 0, n, k, heap, 0);
        }
        pop(heap, k, sorted);
    }

    /** The least elements of a row's start that {@link #aboveSampledBar} samples. */
    private static final int SAMPLE = 1024;
    /**
     * The rank in the sample the bar is taken at, at least: with about 4k entries of the row above
     * it, fewer than k are (the bar fails) for about 0.6% of the rows of independent entries.
     */
    private static final int SAMPLE_RANK = 6;

    /** Room for the candidates above the sampled bar: at least several times the expected count. */
    private static int candidateRoom(int n, int k) {
        return Math.min(n, Math.max(4096, 16 * k));
    }

    /**
     * Top-k of a long row without the heap's sifts on the way: the bar t is the entry of rank r
     * ({@value #SAMPLE_RANK}, or more where the sample is short) of the row's first m elements, m
     * chosen so that about 4k of the row's entries lie above it; one scan then keeps the entries
     * that are not below t (NaN included), values and indices, with one compare per vector, and
     * the heap is built from those alone. If at least k entries are kept, the top-k is among them: every entry left
     * out is below t, below each one kept; ties at t are all kept (16-bit rows tie often there:
     * bfloat16 has 128 values a binade). Otherwise (a row whose start holds its largest entries),
     * when the kept entries overflow their room (a rising row, a row of equal entries) or when t
     * is -inf (a row masked nearly all over), returns false and the heap scan runs instead. The heap's sifts, whose branches the CPU
     * mispredicts, drop from about k ln(n / k) to the few of the kept entries, and the row's loads
     * from memory no longer stall behind them (rows of 32K floats: 2x).
     */
    private static boolean aboveSampledBar(MemorySegment in, long base, int n, int k, long[] heap, int[] candidates,
                                           float[] kept) {
        int sample = sampleLength(n, k);
        if (sample == 0) {
            return false;
        }
        float bar = bar(in, base, n, k, sample, heap);
        if (bar != bar) {
            return false;
        }
        return heapOfKept(heap, k, kept, candidates, keepAtLeast(in, base, 0, n, bar, candidates, kept, 0,
                candidateRoom(n, k)));
    }

    /** Elements of a row's start that its bar is sampled from; 0 for a row too short to take one. */
    private static int sampleLength(int n, int k) {
        if (n < 8 * SAMPLE) {
            return 0;
        }
        int sample = (int) Math.min(n / 8, Math.max(SAMPLE, (long) SAMPLE_RANK * n / (4L * k)));
        return sampleRank(n, k, sample) > sample / 8 ? 0 : sample;
    }

    private static int sampleRank(int n, int k, int sample) {
        return Math.max(SAMPLE_RANK, (int) Math.ceil(4.0 * k * sample / n));
    }

    /**
     * The bar of a row of n: the entry of {@link #sampleRank} among its first {@code sample}
     * elements, in {@code in} from base; NaN where there is none to use (a NaN or -inf there).
     */
    private static float bar(MemorySegment in, long base, int n, int k, int sample, long[] heap) {
        scan(in, base, 0, sample, sampleRank(n, k, sample), heap, 0);
        float bar = valueOf(heap[0]);
        return bar == Float.NEGATIVE_INFINITY ? Float.NaN : bar;
    }

    /**
     * Keeps the entries {@code first + i} of {@code count} elements of {@code in} from element
     * {@code base} that are not below {@code bar} (NaN included), values at kept[c...] and
     * entries at candidates[c...], with one compare per vector; returns the new count, or -1 once
     * more than {@code room} would be kept.
     */
    private static int keepAtLeast(MemorySegment in, long base, int first, int count, float bar, int[] candidates,
                                 float[] kept, int c, int room) {
        int lanes = F.length();
        int step = lanes * UNROLL;
        long bytes = base * Float.BYTES;
        int i = 0;
        for (; i + step <= count; i += step) {
            if (c > room - step) {
                return -1;
            }
            long off = bytes + (long) i * Float.BYTES;
            FloatVector v0 = FloatVector.fromMemorySegment(F, in, off, ORDER);
            FloatVector v1 = FloatVector.fromMemorySegment(F, in, off + F.vectorByteSize(), ORDER);
            FloatVector v2 = FloatVector.fromMemorySegment(F, in, off + 2L * F.vectorByteSize(), ORDER);
            FloatVector v3 = FloatVector.fromMemorySegment(F, in, off + 3L * F.vectorByteSize(), ORDER);
            VectorMask<Float> s0 = v0.compare(VectorOperators.LT, bar);
            VectorMask<Float> s1 = v1.compare(VectorOperators.LT, bar);
            VectorMask<Float> s2 = v2.compare(VectorOperators.LT, bar);
            VectorMask<Float> s3 = v3.compare(VectorOperators.LT, bar);
            if (s0.and(s1).and(s2.and(s3)).allTrue()) {
                continue;
            }
            int at = first + i;
            c = keep(candidates, kept, c, at, v0, s0);
            c = keep(candidates, kept, c, at + lanes, v1, s1);
            c = keep(candidates, kept, c, at + 2 * lanes, v2, s2);
            c = keep(candidates, kept, c, at + 3 * lanes, v3, s3);
        }
        for (; i < count; i++) {
            float x = in.getAtIndex(Tensor.F32, base + i);
            if (!(x < bar)) {
                if (c == room) {
                    return -1;
                }
                kept[c] = x;
                candidates[c++] = first + i;
            }
        }
        return c;
    }

    /**
     * The heap of the k best of the c kept entries, built from their values (the row's own would be
     * read back from all over it); false, and no heap, where fewer than k were kept (or c is -1).
     */
    private static boolean heapOfKept(long[] heap, int k, float[] kept, int[] candidates, int c) {
        if (c < k) {
            return false;
        }
        for (int q = 0; q < k; q++) {
            heap[q] = entry(kept[q], candidates[q]);
            siftUp(heap, q);
        }
        for (int q = k; q < c; q++) {
            long e = entry(kept[q], candidates[q]);
            if (e > heap[0]) {
                heap[0] = e;
                siftDown(heap, k);
            }
        }
        return true;
    }

    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);

    /**
     * Appends lane j of v and its index i + j, for the lanes j that {@code stay} leaves out, at
     * kept[c...] and candidates[c...]; returns the new count.
     */
    private static int keep(int[] candidates, float[] kept, int c, int i, FloatVector v, VectorMask<Float> stay) {
        VectorMask<Float> out = stay.not();
        v.compress(out).intoArray(kept, c);
        IOTA.add(i).compress(out.cast(I)).intoArray(candidates, c);
        return c + out.trueCount();
    }

    /**
     * Offers entries {@code [first, first + count)} of a row, which lie at elements {@code base...}
     * of {@code in}, to the heap of the entries before them ({@code filled} of at most {@code k}
     * held); returns how many it holds after. The scan of {@link #bestFloats}, so that a row can be
     * offered a block at a time.
     */
    private static int scan(MemorySegment in, long base, int first, int count, int k, long[] heap, int filled) {
        int i = 0;
        for (; i < count && filled < k; i++) {
            heap[filled] = entry(in.getAtIndex(Tensor.F32, base + i), first + i);
            siftUp(heap, filled++);
        }
        if (filled < k) {
            return filled;
        }
        int lanes = F.length();
        int step = lanes * UNROLL;
        // Lanes are loaded from byte offsets, not aligned ones: rows need not start on a vector.
        long bytes = base * Float.BYTES;
        float worst = valueOf(heap[0]);
        // A NaN root means the heap holds k NaNs, which no later entry beats.
        for (; i + step <= count && worst == worst; i += step) {
            long off = bytes + (long) i * Float.BYTES;
            FloatVector v0 = FloatVector.fromMemorySegment(F, in, off, ORDER);
            FloatVector v1 = FloatVector.fromMemorySegment(F, in, off + F.vectorByteSize(), ORDER);
            FloatVector v2 = FloatVector.fromMemorySegment(F, in, off + 2L * F.vectorByteSize(), ORDER);
            FloatVector v3 = FloatVector.fromMemorySegment(F, in, off + 3L * F.vectorByteSize(), ORDER);
            // NaN <= worst is false: a NaN lane, like one above the worst, fails the compare. Four
            // compares and their and, not a max tree: the Vector API's max is Math.max's, six
            // instructions a vector for NaN and -0.0 (rows of 32K from memory 1.12x).
            VectorMask<Float> s0 = v0.compare(VectorOperators.LE, worst);
            VectorMask<Float> s1 = v1.compare(VectorOperators.LE, worst);
            VectorMask<Float> s2 = v2.compare(VectorOperators.LE, worst);
            VectorMask<Float> s3 = v3.compare(VectorOperators.LE, worst);
            if (s0.and(s1).and(s2.and(s3)).allTrue()) {
                continue;
            }
            offer(in, base, first, i, s0.not().toLong(), heap, k);
            offer(in, base, first, i + lanes, s1.not().toLong(), heap, k);
            offer(in, base, first, i + 2 * lanes, s2.not().toLong(), heap, k);
            offer(in, base, first, i + 3 * lanes, s3.not().toLong(), heap, k);
            worst = valueOf(heap[0]);
        }
        for (; i < count; i++) {
            offerOne(in, base, first, i, heap, k);
        }
        return filled;
    }

    /** The heap's k entries into {@code sorted}, best first: popping the worst first fills it from the back. */
    private static void pop(long[] heap, int k, int[] sorted) {
        for (int j = k - 1; j >= 0; j--) {
            sorted[j] = ~(int) heap[0];
            heap[0] = heap[j];
            siftDown(heap, j);
        }
    }

    /** Offers the entries {@code from + j} for the set bits {@code j} of {@code lanes} to the heap, in index order. */
    private static void offer(MemorySegment in, long base, int first, int from, long lanes, long[] heap, int k) {
        for (long bits = lanes; bits != 0; bits &= bits - 1) {
            offerOne(in, base, first, from + Long.numberOfTrailingZeros(bits), heap, k);
        }
    }

    /** Element {@code i} from {@code base}, entry {@code first + i} of its row, into the heap if it beats the worst kept. */
    private static void offerOne(MemorySegment in, long base, int first, int i, long[] heap, int k) {
        long e = entry(in.getAtIndex(Tensor.F32, base + i), first + i);
        if (e > heap[0]) {
            heap[0] = e;
            siftDown(heap, k);
        }
    }

    /**
     * Entry {@code index} of value {@code x} as one long whose order is top-k's rank order: the
     * float's order key in the high half (-0.0 equal to 0.0, every NaN above +inf, as
     * {@link Selection#key}), the complement of the index in the low half (of equal keys the lower
     * index ranks higher). Entries of a row are distinct.
     */
    private static long entry(float x, int index) {
        int key;
        if (x != x) {
            key = Integer.MAX_VALUE;
        } else {
            int bits = Float.floatToRawIntBits(x + 0.0f);
            key = bits ^ ((bits >> 31) & Integer.MAX_VALUE);
        }
        return ((long) key << 32) | (~index & 0xFFFF_FFFFL);
    }

    /** The value of a packed entry (a NaN for a NaN's key). */
    private static float valueOf(long entry) {
        int key = (int) (entry >> 32);
        return Float.intBitsToFloat(key ^ ((key >> 31) & Integer.MAX_VALUE));
    }

    /** Min-heap of packed entries: the root is the worst kept. */
    private static void siftUp(long[] heap, int c) {
        long e = heap[c];
        while (c > 0) {
            int parent = (c - 1) >>> 1;
            if (heap[parent] <= e) {
                break;
            }
            heap[c] = heap[parent];
            c = parent;
        }
        heap[c] = e;
    }

    private static void siftDown(long[] heap, int size) {
        long e = heap[0];
        int c = 0;
        while (true) {
            int l = 2 * c + 1;
            if (l >= size) {
                break;
            }
            int w = l + 1 < size && heap[l + 1] < heap[l] ? l + 1 : l;
            if (heap[w] >= e) {
                break;
            }
            heap[c] = heap[w];
            c = w;
        }
        heap[c] = e;
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
        DoubleVector top = DoubleVector.broadcast(D, Double.NEGATIVE_INFINITY);
        boolean nan = false;
        int k = 0;
        for (int bound = D.loopBound(n); k < bound; k += D.length()) {
            DoubleVector v = DoubleVector.fromArray(D, x, k);
            nan |= v.test(VectorOperators.IS_NAN).anyTrue();
            top = top.max(v);
        }
        double max = top.reduceLanes(VectorOperators.MAX);
        for (; k < n; k++) {
            nan |= x[k] != x[k];
            max = Math.max(max, x[k]);
        }
        if (nan) {
            return new double[] {-1, Double.NaN};
        }
        double t = sampling.temperature();
        if (t == 0) {
            int first = 0;
            while (x[first] != max) {
                first++;
            }
            return new double[] {first, 0};
        }
        if (Double.isInfinite(max)) {
            return new double[] {-1, Double.NaN};
        }
        double least = sampling.minP() * (1 - Selection.SLACK);
        return topK > 0 ? sampleTopK(s, n, sampling, topK, sorted, row, max, least)
                : sampleDense(s, n, sampling, row, max, least);
    }

    /**
     * With top-k: the k best from the heap, the kept prefix in their order, then the draw over the
     * kept entries in index order. The arithmetic (StrictMath, sums in the same order) is the
     * oracle's, so its draws and log-probabilities are the oracle's bit for bit.
     */
    private static double[] sampleTopK(Scratch s, int n, Sampling sampling, int topK, int[] sorted, long row, double max,
                                       double least) {
        double[] x = s.row;
        double t = sampling.temperature();
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
        int[] byIndex = Arrays.copyOf(sorted, kept);
        Arrays.sort(byIndex);
        // Compensated (Neumaier) as the oracle's: the log-probability is then exact to rounding.
        double mass = 0;
        double comp = 0;
        for (int k : byIndex) {
            double v = StrictMath.exp((x[k] - max) / t);
            double sum = mass + v;
            comp += Math.abs(mass) >= Math.abs(v) ? (mass - sum) + v : (v - sum) + mass;
            mass = sum;
        }
        mass += comp;
        double threshold = Philox.uniform(sampling.seed(), row) * mass;
        double run = 0;
        int drawn = -1;
        for (int k : byIndex) {
            double pk = StrictMath.exp((x[k] - max) / t);
            if (pk > 0) {
                run += pk;
                drawn = k;
                if (run > threshold) {
                    break;
                }
            }
        }
        return new double[] {drawn, (x[drawn] - max) / t - StrictMath.log(mass)};
    }

    /**
     * Without top-k: every p by the vector exp (1 ulp, where the oracle's StrictMath is within
     * rounding: a draw can differ only when its uniform falls within that of a boundary), the top-p
     * boundary by bisection over the keys, then the draw over the kept entries in index order.
     */
    private static double[] sampleDense(Scratch s, int n, Sampling sampling, long row, double max, double least) {
        double[] x = s.row;
        double t = sampling.temperature();
        double[] p = s.p();
        long[] keys = s.keys();
        DoubleVector vMax = DoubleVector.broadcast(D, max);
        DoubleVector all = DoubleVector.zero(D);
        DoubleVector allComp = DoubleVector.zero(D);
        DoubleVector atLeast = DoubleVector.zero(D);
        for (int k = 0; k < n; k += D.length()) {
            VectorMask<Double> live = D.indexInRange(k, n);
            DoubleVector v = DoubleVector.fromArray(D, x, k, live);
            DoubleVector e = VectorMath.expNonPositive(v.sub(vMax).div(t));
            e.intoArray(p, k, live);
            // Selection.key without its NaN case (a row with a NaN has no draw): -0.0 + 0.0 is 0.0.
            LongVector bits = v.add(0.0).reinterpretAsLongs();
            bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.ASHR, 63).and(Long.MAX_VALUE))
                    .intoArray(keys, k, live.cast(K));
            // Kahan in each lane: this is also the kept mass when every entry is kept.
            DoubleVector y = e.blend(0.0, live.not()).sub(allComp);
            DoubleVector next = all.add(y);
            allComp = next.sub(all).sub(y);
            all = next;
            atLeast = atLeast.add(e, live.and(e.compare(VectorOperators.GE, least)));
        }
        double massAll = neumaier(all.sub(allComp).toArray());
        double massLeast = atLeast.reduceLanes(VectorOperators.ADD);
        double target = (sampling.topP() - Selection.SLACK) * massAll;
        long tieKey;
        long ties;
        if (sampling.topP() < 1 && massLeast >= target) {
            long[] found = boundary(s, n, target);
            tieKey = found[0];
            double cum = Double.longBitsToDouble(found[1]);
            ties = 0;
            for (int k = 0; k < n && cum < target; k++) {
                if (keys[k] == tieKey) {
                    cum += p[k];
                    ties++;
                }
            }
            ties = Math.max(ties, 1);
        } else if (sampling.minP() > 0) {
            // The min-p set, every tie in.
            long lowest = Long.MAX_VALUE;
            for (int k = 0; k < n; k++) {
                if (p[k] >= least) {
                    lowest = Math.min(lowest, keys[k]);
                }
            }
            tieKey = lowest;
            ties = Long.MAX_VALUE;
        } else {
            tieKey = Long.MIN_VALUE;
            ties = Long.MAX_VALUE;
        }
        // Kept: key above tieKey, or equal to it among the first `ties` in index order. Equal keys
        // have equal p, so the kept mass is the mass above tieKey plus the kept ties' share.
        double mass;
        if (tieKey == Long.MIN_VALUE) {
            mass = massAll;
        } else {
            long equal = 0;
            double tieP = 0;
            for (int k = 0; k < n; k++) {
                if (keys[k] == tieKey) {
                    equal++;
                    tieP = p[k];
                }
            }
            mass = compensatedMassAbove(p, keys, n, tieKey + 1) + Math.min(equal, ties) * tieP;
        }
        double threshold = Philox.uniform(sampling.seed(), row) * mass;
        double run = 0;
        int drawn = -1;
        long seen = 0;
        for (int k = 0; k < n; k++) {
            if ((keys[k] > tieKey || (keys[k] == tieKey && seen++ < ties)) && p[k] > 0) {
                run += p[k];
                drawn = k;
                if (run > threshold) {
                    break;
                }
            }
        }
        return new double[] {drawn, (x[drawn] - max) / t - StrictMath.log(mass)};
    }

    /** Buckets of p by its sign, exponent and 4 leading mantissa bits: p's bits >>> 48, p in [0, 1]. */
    private static final int BUCKETS = (int) (Double.doubleToRawLongBits(1.0) >>> 48) + 1;

    /**
     * The largest key {@code t} whose mass {@code sum p[k] for keys[k] >= t} is at least
     * {@code target}, and the mass above it ({@code keys > t}, as double bits). A histogram of p
     * (monotone in the key) finds the bucket that holds the boundary in one pass; the bisection
     * then runs over that bucket's entries only, compacting them at every step.
     */
    private static long[] boundary(Scratch s, int n, double target) {
        double[] p = s.p;
        long[] keys = s.keys;
        double[] hist = s.histogram();
        Arrays.fill(hist, 0);
        for (int k = 0; k < n; k++) {
            hist[(int) (Double.doubleToRawLongBits(p[k]) >>> 48)] += p[k];
        }
        double above = 0;
        int b = BUCKETS - 1;
        while (b > 0 && above + hist[b] < target) {
            above += hist[b--];
        }
        long[] ck = s.candidateKeys();
        double[] cp = s.candidateP();
        int m = 0;
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            if ((int) (Double.doubleToRawLongBits(p[k]) >>> 48) == b) {
                ck[m] = keys[k];
                cp[m++] = p[k];
                lo = Math.min(lo, keys[k]);
                hi = Math.max(hi, keys[k]);
            }
        }
        while (lo < hi) {
            long mid = lo + ((hi - lo) >>> 1) + 1;
            double upper = massAbove(cp, ck, m, mid);
            int w = 0;
            if (above + upper >= target) {
                lo = mid;
                for (int k = 0; k < m; k++) {
                    if (ck[k] >= mid) {
                        ck[w] = ck[k];
                        cp[w++] = cp[k];
                    }
                }
            } else {
                hi = mid - 1;
                above += upper;
                for (int k = 0; k < m; k++) {
                    if (ck[k] < mid) {
                        ck[w] = ck[k];
                        cp[w++] = cp[k];
                    }
                }
            }
            m = w;
        }
        // The candidates left are the entries of key lo (those above it went into `above`).
        return new long[] {lo, Double.doubleToRawLongBits(above)};
    }

    /**
     * {@code sum p[k] for keys[k] >= t}, Kahan-compensated in each lane and combined by Neumaier's
     * sum: within a few ulp whatever the row length, as the oracle's compensated sum.
     */
    private static double compensatedMassAbove(double[] p, long[] keys, int n, long t) {
        DoubleVector sum = DoubleVector.zero(D);
        DoubleVector comp = DoubleVector.zero(D);
        int k = 0;
        if (D.length() == K.length()) {
            for (int bound = D.loopBound(n); k < bound; k += D.length()) {
                VectorMask<Double> in = LongVector.fromArray(K, keys, k).compare(VectorOperators.GE, t).cast(D);
                DoubleVector y = DoubleVector.fromArray(D, p, k).sub(comp);
                DoubleVector next = sum.add(y);
                comp = comp.blend(next.sub(sum).sub(y), in);
                sum = sum.blend(next, in);
            }
        }
        double[] terms = Arrays.copyOf(sum.sub(comp).toArray(), D.length() + n - k);
        for (int j = D.length(); k < n; k++, j++) {
            terms[j] = keys[k] >= t ? p[k] : 0;
        }
        return neumaier(terms);
    }

    /** Neumaier's compensated sum of a few terms. */
    private static double neumaier(double[] terms) {
        double total = 0;
        double c = 0;
        for (double v : terms) {
            double next = total + v;
            c += Math.abs(total) >= Math.abs(v) ? (total - next) + v : (v - next) + total;
            total = next;
        }
        return total + c;
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
