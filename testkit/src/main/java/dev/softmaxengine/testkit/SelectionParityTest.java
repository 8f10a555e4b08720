package dev.softmaxengine.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parity suite of {@link Op#TOP_K} and {@link Op#SAMPLE}, which every backend runs beside
 * {@link SoftmaxKernelParityTest} (a two-line subclass supplies the kernel). Top-k must match the
 * oracle ({@link ScalarSoftmaxKernel}) exactly, values and indices, on ragged rows, every axis of
 * the suite's shapes, adversarial rows and every storage. Sample must draw the oracle's indices
 * (every backend follows {@link dev.softmaxengine.api.spi.Selection}'s rules in fp64, so the draws
 * agree unless a uniform falls within rounding of a boundary of the distribution: about 1e-15 per
 * draw) with log-probabilities within {@link SoftmaxKernel#tolerance}; and 10^6 draws of fixed
 * rows must pass a chi-square test against the exact restricted distribution.
 *
 * <p>bfloat16 and float16 inputs run the same cases. Their top-k values must be the input's own
 * bits (a copy, NaN payloads and signaling NaNs included), and their draws must be exactly the
 * draws the same kernel makes for the input widened to float32, which is exact; their
 * log-probabilities, written in the 16-bit dtype, are held to the oracle's within the kernel's
 * bound. The chi-square test runs on float32 and float64 only: a 16-bit input draws as its float32
 * widening does, which that test covers.
 *
 * <p>The chi-square test rejects at p-value 1e-4 (the 0.9999 quantile of the chi-square
 * distribution with the kept set's size minus one degrees of freedom). The seeds are fixed, so the
 * outcome is deterministic: a correct kernel passes every time, and a wrong kept set or a biased
 * draw of a few tenths of a percent fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SelectionParityTest {
    private static final int[] COLS = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 65, 127, 129, 255, 257, 1023,
            1025, 4095, 4099};
    private static final long[][] SHAPES = {{5}, {4, 9}, {9, 4}, {2, 130}, {2, 7, 3}, {3, 9, 8}, {2, 5, 17},
            {2, 3, 5, 17}, {3, 1, 5}};
    /** The 0.9999 quantiles of chi-square with 1 to 7 degrees of freedom. */
    private static final double[] CHI2_9999 = {15.137, 18.421, 21.108, 23.513, 25.745, 27.856, 29.878};
    private static final int DRAWS = 1_000_000;
    private static final double SENTINEL = -4242.5;
    private static final ScalarSoftmaxKernel ORACLE = new ScalarSoftmaxKernel();
    /** Every input dtype of top-k and sample: the compute dtypes and the 16-bit storage ones. */
    private static final DType[] DTYPES = {DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16, DType.FLOAT16};

    private SoftmaxKernel kernel;

    /** The kernel under test; called once per class, closed after the last test. */
    protected abstract SoftmaxKernel createKernel();

    /** False when this kernel's device cannot compute in {@code dtype} (OpenCL without fp64): those cases skip. */
    protected boolean supports(DType dtype) {
        return true;
    }

    @BeforeAll
    public final void openKernel() {
        kernel = createKernel();
        assertNotNull(kernel, "createKernel() returned null");
        System.out.println("selection parity: backend " + kernel.backend() + " on " + kernel.device() + ", "
                + TestSeed.PROPERTY + "=" + TestSeed.value());
    }

    @AfterAll
    public final void closeKernel() {
        if (kernel != null) {
            kernel.close();
        }
    }

    /** Where all operands of a call live. */
    public enum Storage {
        ARRAY, HEAP_SEGMENT, OFF_HEAP_SEGMENT, KERNEL_BUFFER
    }

    /** Rows that break selections: ties, NaN, infinities, signed zeros, extremes. */
    public enum Adversary {
        TIES, NANS, INFINITIES, SIGNED_ZEROS, EXTREMES, MINUS_INF_MASK, ALL_MINUS_INF, ALL_EQUAL, ALL_NAN, TINY;

        double[] row(int n, DType dtype, SplittableRandom rnd) {
            double big = switch (dtype) {
                case FLOAT32 -> Float.MAX_VALUE;
                case BFLOAT16 -> Half.bf16ToFloat((short) 0x7f7f);
                case FLOAT16 -> 65504;
                default -> Double.MAX_VALUE;
            };
            double tiny = switch (dtype) {
                case FLOAT32 -> Float.MIN_VALUE;
                case BFLOAT16 -> 0x1p-133;
                case FLOAT16 -> 0x1p-24;
                default -> Double.MIN_VALUE;
            };
            double[] x = new double[n];
            for (int k = 0; k < n; k++) {
                double g = 2 * rnd.nextGaussian();
                x[k] = switch (this) {
                    case TIES -> rnd.nextInt(3) - 1;
                    case NANS -> rnd.nextInt(4) == 0 ? Double.NaN : g;
                    case INFINITIES -> pick(rnd, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, g, g);
                    case SIGNED_ZEROS -> pick(rnd, 0.0, -0.0, -1.0, g);
                    case EXTREMES -> pick(rnd, big, -big, 1e30, -1e30, g);
                    case MINUS_INF_MASK -> rnd.nextInt(8) == 0 ? g : Double.NEGATIVE_INFINITY;
                    case ALL_MINUS_INF -> Double.NEGATIVE_INFINITY;
                    case ALL_EQUAL -> -7.25;
                    case ALL_NAN -> Double.NaN;
                    case TINY -> pick(rnd, tiny, -tiny, 2 * tiny, 0.0, -0.0);
                };
            }
            return x;
        }

        private static double pick(SplittableRandom rnd, double... choices) {
            return choices[rnd.nextInt(choices.length)];
        }
    }

    /** The sampling configurations the parity cases run; topK is capped at the row length. */
    private static final Sampling[] CONFIGS = {
            Sampling.of(1, 11),
            Sampling.of(0.7, 12),
            Sampling.of(0, 13),
            new Sampling(1, 1, 1, 0, 14),
            new Sampling(1, 5, 1, 0, 15),
            new Sampling(0.8, 50, 0.95, 0, 16),
            new Sampling(1, 0, 0.9, 0, 17),
            new Sampling(1.3, 0, 0.5, 0.05, 18),
            new Sampling(1, 0, 1, 0.2, 19),
            new Sampling(2, 3, 0.3, 0.5, 20),
            new Sampling(1e-3, 0, 0.99, 0, 21)};

    static Stream<Arguments> dtypesAndCols() {
        return Stream.of(DTYPES).flatMap(d -> Arrays.stream(COLS).mapToObj(c -> Arguments.of(d, c)));
    }

    static Stream<Arguments> dtypesAndShapes() {
        return Stream.of(DTYPES).flatMap(d -> Stream.of(SHAPES).map(s -> Arguments.of(d, s)));
    }

    static Stream<Arguments> dtypesAndAdversaries() {
        return Stream.of(DTYPES).flatMap(d -> Stream.of(Adversary.values()).map(a -> Arguments.of(d, a)));
    }

    static Stream<Arguments> halvesAndStorages() {
        return Stream.of(DType.halves()).flatMap(d -> Stream.of(Storage.values()).map(s -> Arguments.of(d, s)));
    }

    static Stream<Arguments> dtypesAndStorages() {
        return Stream.of(DTYPES).flatMap(d -> Stream.of(Storage.values()).map(s -> Arguments.of(d, s)));
    }

    /** The bounds a backend declares for the two ops stay within {@link ErrorCeilings}; top-k's is exact. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void declaredBoundsAreUnderTheCeilings(DType dtype) {
        requireDtype(dtype);
        for (Op op : new Op[] {Op.TOP_K, Op.SAMPLE}) {
            Tolerance tol = kernel.tolerance(op, dtype);
            Tolerance ceiling = ErrorCeilings.of(op, dtype);
            assertTrue(tol.rtol() <= ceiling.rtol() && tol.atol() <= ceiling.atol(), kernel.backend() + " declares " + tol
                    + " for " + op.cliName() + " " + dtype + ", beyond the ceiling " + ceiling);
        }
        assertEquals(new Tolerance(0, 0), kernel.tolerance(Op.TOP_K, dtype), "top-k copies values");
    }

    // ---------------------------------------------------------------- top-k

    @ParameterizedTest(name = "{0} cols {1}")
    @MethodSource("dtypesAndCols")
    public void topKOfRaggedRows(DType dtype, int cols) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("topK " + dtype + cols);
        int rows = 3;
        double[] x = new double[rows * cols];
        for (int i = 0; i < x.length; i++) {
            // Half of the entries on a grid of 0.5: ties in every long row.
            x[i] = rnd.nextBoolean() ? Math.rint(rnd.nextGaussian() * 4) / 2 : 3 * rnd.nextGaussian();
        }
        for (int k : new int[] {1, Math.min(3, cols), cols / 2 + 1, cols}) {
            checkTopK(dtype, x, new long[] {rows, cols}, -1, k, Storage.ARRAY);
        }
    }

    @ParameterizedTest(name = "{0} shape {1}")
    @MethodSource("dtypesAndShapes")
    public void topKAlongEveryAxis(DType dtype, long[] shape) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("topK axes " + dtype + Arrays.toString(shape));
        double[] x = new double[Math.toIntExact(Shape.of(shape).size())];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.rint(rnd.nextGaussian() * 6) / 2;
        }
        for (int axis = -shape.length; axis < shape.length; axis++) {
            int n = (int) shape[axis < 0 ? axis + shape.length : axis];
            for (int k : new int[] {1, (n + 1) / 2, n}) {
                checkTopK(dtype, x, shape, axis, k, Storage.ARRAY);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dtypesAndAdversaries")
    public void topKOfAdversarialRows(DType dtype, Adversary adversary) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("topK " + adversary + dtype);
        for (int n : new int[] {1, 7, 64, 1025}) {
            double[] x = new double[3 * n];
            for (int r = 0; r < 3; r++) {
                System.arraycopy(adversary.row(n, dtype, rnd), 0, x, r * n, n);
            }
            for (int k : new int[] {1, n / 2 + 1, n}) {
                checkTopK(dtype, x, new long[] {3, n}, -1, k, Storage.ARRAY);
                checkTopK(dtype, x, new long[] {3, n}, 0, 1, Storage.ARRAY);
            }
        }
    }

    /**
     * Rows long enough for a CPU backend to scan them against a bar sampled from their start
     * (simd: at least 8K entries): rows where the bar holds (independent entries, ties, NaN, a
     * -inf mask), where too few entries pass it (a falling row, the largest entries first) and
     * where too many do (a rising row, all equal), each k on both sides of the sample's reach.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void topKOfLongRows(DType dtype) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("topK long rows " + dtype);
        String[] kinds = {"gaussian", "ties", "nans", "mask", "rising", "falling", "equal", "largest first"};
        for (int n : new int[] {8192, 9001, 40_000}) {
            for (String kind : kinds) {
                double[] x = new double[2 * n];
                for (int i = 0; i < x.length; i++) {
                    int j = i % n;
                    double g = rnd.nextGaussian();
                    x[i] = switch (kind) {
                        case "gaussian" -> 3 * g;
                        case "ties" -> Math.rint(g * 4) / 2;
                        case "nans" -> rnd.nextInt(500) == 0 ? Double.NaN : g;
                        case "mask" -> rnd.nextInt(8) == 0 ? g : Double.NEGATIVE_INFINITY;
                        case "rising" -> j / 64.0;
                        case "falling" -> -j / 64.0;
                        case "equal" -> 1.5;
                        default -> j < 300 ? 100 + g : g;
                    };
                }
                for (int k : new int[] {1, 50, 200, 3000}) {
                    checkTopK(dtype, x, new long[] {2, n}, -1, k, Storage.ARRAY);
                }
                checkTopK(dtype, x, new long[] {2, n}, -1, 50, Storage.OFF_HEAP_SEGMENT);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("dtypesAndStorages")
    public void topKOnEveryStorage(DType dtype, Storage storage) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("topK storage " + dtype + storage);
        double[] x = new double[4 * 300];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        checkTopK(dtype, x, new long[] {4, 300}, -1, 17, storage);
        checkTopK(dtype, x, new long[] {4, 300}, 0, 2, storage);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void topKRejectsBadArgumentsBeforeWriting(DType dtype) {
        requireDtype(dtype);
        Tensor in = hostTensor(dtype, new long[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6});
        double[] sentinels = filled(4, SENTINEL);
        Tensor values = hostTensor(dtype, new long[] {2, 2}, sentinels);
        int[] indices = {-7, -7, -7, -7};
        Tensor idx = Tensor.of(indices, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> kernel.topK(in, values, idx, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> kernel.topK(in, values, idx, 4, -1));
        assertThrows(IllegalArgumentException.class, () -> kernel.topK(in, values, idx, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> kernel.topK(in, values, values, 2, -1));
        // Held in the dtype: -4242.5 as bfloat16 reads back rounded.
        assertArrayEquals(values(hostTensor(dtype, new long[] {4}, sentinels)), values(values));
        assertArrayEquals(new int[] {-7, -7, -7, -7}, indices);
    }

    private void checkTopK(DType dtype, double[] x, long[] shape, int axis, int k, Storage storage) {
        Shape in = Shape.of(shape);
        int a = in.normalizeAxis(axis);
        long[] outDims = shape.clone();
        outDims[a] = k;
        int outSize = Math.toIntExact(Shape.of(outDims).size());
        double[] rounded = values(hostTensor(dtype, shape, x));
        double[] refValues = new double[outSize];
        int[] refIndices = new int[outSize];
        ORACLE.topK(Tensor.of(rounded.clone(), shape), Tensor.of(refValues, outDims), Tensor.of(refIndices, outDims), k, axis);
        try (Operands ops = new Operands(kernel)) {
            Tensor tin = ops.make(storage, dtype, shape, rounded);
            Tensor tvalues = ops.make(storage, dtype, outDims, filled(outSize, SENTINEL));
            Tensor tindices = ops.make(storage, DType.INT32, outDims, filled(outSize, -7));
            kernel.topK(tin, tvalues, tindices, k, axis);
            double[] v = ops.read(tvalues);
            double[] idx = ops.read(tindices);
            String where = "top-k " + dtype + " " + Arrays.toString(shape) + " axis " + axis + " k " + k + " on " + storage
                    + seedNote();
            for (int i = 0; i < outSize; i++) {
                if (refIndices[i] != (int) idx[i] || Double.compare(refValues[i] + 0.0, v[i] + 0.0) != 0) {
                    fail(where + ": element " + i + " is (" + v[i] + ", index " + (int) idx[i] + "), the oracle's ("
                            + refValues[i] + ", index " + refIndices[i] + ")");
                }
            }
            if (dtype.isHalf()) {
                requireCopiedBits(where, bits(hostTensor(dtype, shape, rounded)), ops.readBits(tvalues), refIndices,
                        in.dim(a), in.inner(a), k);
            }
        }
    }

    /**
     * 16-bit top-k values are copies: each one's bits are those of the input element its index
     * names (a -0.0 stays -0.0, a NaN keeps its payload), where the value comparison above equates
     * signed zeros and every NaN.
     */
    private static void requireCopiedBits(String where, short[] in, short[] values, int[] indices, long n, long inner,
                                          int k) {
        for (int e = 0; e < values.length; e++) {
            long o = e / (k * inner);
            long i = e % inner;
            short expected = in[(int) ((o * n + indices[e]) * inner + i)];
            if (values[e] != expected) {
                fail(where + ": element " + e + " has bits 0x" + Integer.toHexString(values[e] & 0xffff)
                        + ", input element " + indices[e] + " along the axis has 0x" + Integer.toHexString(expected & 0xffff));
            }
        }
    }

    /**
     * 16-bit NaNs of every kind (quiet, negative, with a payload, signaling) among infinities,
     * signed zeros and the dtype's extremes, given as bits: the oracle's indices, and values that
     * are the input's bits, on every storage.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("halvesAndStorages")
    public void sixteenBitTopKCopiesTheInputsBits(DType dtype, Storage storage) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("topK bits " + dtype + storage);
        boolean bf16 = dtype == DType.BFLOAT16;
        short[] specials = bf16
                ? new short[] {0x7fc0, (short) 0xffc0, 0x7fc5, 0x7f81, (short) 0xff81, 0x7f80, (short) 0xff80, 0, (short) 0x8000,
                        0x7f7f, (short) 0xff7f, 1, (short) 0x8001}
                : new short[] {0x7e00, (short) 0xfe00, 0x7e05, 0x7c01, (short) 0xfc01, 0x7c00, (short) 0xfc00, 0, (short) 0x8000,
                        0x7bff, (short) 0xfbff, 1, (short) 0x8001};
        for (int n : new int[] {1, 5, 64, 1025}) {
            int rows = 3;
            short[] x = new short[rows * n];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextInt(3) == 0 ? Half.fromDouble(dtype, rnd.nextGaussian()) : specials[rnd.nextInt(specials.length)];
            }
            long[] shape = {rows, n};
            for (int axis : new int[] {-1, 0}) {
                int len = axis == -1 ? n : rows;
                for (int k : new int[] {1, (len + 1) / 2, len}) {
                    long[] outDims = axis == -1 ? new long[] {rows, k} : new long[] {k, n};
                    int outSize = Math.toIntExact(Shape.of(outDims).size());
                    int[] refIndices = new int[outSize];
                    ORACLE.topK(Tensor.of(x.clone(), dtype, shape), Tensor.of(new short[outSize], dtype, outDims),
                            Tensor.of(refIndices, outDims), k, axis);
                    try (Operands ops = new Operands(kernel)) {
                        Tensor tin = ops.makeBits(storage, dtype, shape, x);
                        Tensor tvalues = ops.make(storage, dtype, outDims, filled(outSize, SENTINEL));
                        Tensor tindices = ops.make(storage, DType.INT32, outDims, filled(outSize, -7));
                        kernel.topK(tin, tvalues, tindices, k, axis);
                        double[] idx = ops.read(tindices);
                        String where = "top-k " + dtype + " bits " + Arrays.toString(shape) + " axis " + axis + " k " + k
                                + " on " + storage + seedNote();
                        for (int i = 0; i < outSize; i++) {
                            if (refIndices[i] != (int) idx[i]) {
                                fail(where + ": element " + i + " has index " + (int) idx[i] + ", the oracle's "
                                        + refIndices[i]);
                            }
                        }
                        requireCopiedBits(where, x, ops.readBits(tvalues), refIndices, len, axis == -1 ? 1 : n, k);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- sample

    @ParameterizedTest(name = "{0} cols {1}")
    @MethodSource("dtypesAndCols")
    public void sampleDrawsTheOraclesIndices(DType dtype, int cols) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("sample " + dtype + cols);
        int rows = 24;
        double[] x = new double[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i / cols % 3 == 0 ? 8 : 2) * rnd.nextGaussian();
        }
        for (Sampling s : CONFIGS) {
            checkSample(dtype, x, rows, cols, capped(s, cols), Storage.ARRAY, true);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dtypesAndAdversaries")
    public void sampleOfAdversarialRows(DType dtype, Adversary adversary) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("sample " + adversary + dtype);
        for (int n : new int[] {1, 7, 64, 1025}) {
            double[] x = new double[4 * n];
            for (int r = 0; r < 4; r++) {
                System.arraycopy(adversary.row(n, dtype, rnd), 0, x, r * n, n);
            }
            for (Sampling s : CONFIGS) {
                checkSample(dtype, x, 4, n, capped(s, n), Storage.ARRAY, true);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("dtypesAndStorages")
    public void sampleOnEveryStorage(DType dtype, Storage storage) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("sample storage " + dtype + storage);
        double[] x = new double[5 * 700];
        for (int i = 0; i < x.length; i++) {
            x[i] = 3 * rnd.nextGaussian();
        }
        checkSample(dtype, x, 5, 700, new Sampling(0.9, 40, 0.9, 0.01, 5), storage, true);
        checkSample(dtype, x, 5, 700, new Sampling(0.9, 0, 0.8, 0, 6), storage, false);
    }

    /** Row r's draw depends on (seed, r) only: a call of 5 rows draws what the first 5 rows of 3000 do. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void drawsDoNotDependOnTheBatch(DType dtype) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("sample batch " + dtype);
        int cols = 50;
        int rows = 3000;
        double[] x = new double[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        for (Sampling s : new Sampling[] {Sampling.of(1, 99), new Sampling(1, 10, 0.9, 0, 98)}) {
            int[] all = draws(dtype, x, rows, cols, s);
            int[] few = draws(dtype, Arrays.copyOf(x, 5 * cols), 5, cols, s);
            assertArrayEquals(few, Arrays.copyOf(all, 5), "first 5 rows of " + rows + " against a call of 5, " + s);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void sampleRejectsBadArgumentsBeforeWriting(DType dtype) {
        requireDtype(dtype);
        Tensor in = hostTensor(dtype, new long[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6});
        int[] indices = {-7, -7};
        Tensor idx = Tensor.of(indices, 2);
        assertThrows(IllegalArgumentException.class, () -> kernel.sample(in, idx, null, new Sampling(1, 4, 1, 0, 1)));
        assertThrows(IllegalArgumentException.class, () -> kernel.sample(in, Tensor.of(new int[3], 3), null,
                Sampling.of(1, 1)));
        assertThrows(IllegalArgumentException.class, () -> kernel.sample(in, 1, 0, 0.0, 0, 1, idx));
        assertArrayEquals(new int[] {-7, -7}, indices);
    }

    /**
     * A 16-bit input widens to float32 exactly, so the kernel must draw for it exactly what it draws
     * for that float32 tensor: ragged rows, adversarial ones, every configuration.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("halvesAndStorages")
    public void sixteenBitInputsDrawWhatTheirFloat32WideningDraws(DType dtype, Storage storage) {
        requireDtype(dtype);
        requireDtype(DType.FLOAT32);
        SplittableRandom rnd = TestSeed.random("sample widening " + dtype + storage);
        for (int cols : new int[] {1, 7, 33, 257, 1025}) {
            int rows = 8;
            double[] x = new double[rows * cols];
            Adversary[] adversaries = Adversary.values();
            for (int r = 0; r < rows; r++) {
                // Half of the rows plain, the others adversarial.
                double[] row = r % 2 == 0 ? null : adversaries[rnd.nextInt(adversaries.length)].row(cols, dtype, rnd);
                for (int k = 0; k < cols; k++) {
                    x[r * cols + k] = row != null ? row[k] : 3 * rnd.nextGaussian();
                }
            }
            long[] shape = {rows, cols};
            double[] widened = values(hostTensor(dtype, shape, x));
            for (Sampling s : CONFIGS) {
                Sampling c = capped(s, cols);
                int[] reference = new int[rows];
                kernel.sample(hostTensor(DType.FLOAT32, shape, widened), Tensor.of(reference, rows), null, c);
                try (Operands ops = new Operands(kernel)) {
                    Tensor tin = ops.make(storage, dtype, shape, widened);
                    Tensor tindices = ops.make(storage, DType.INT32, new long[] {rows}, filled(rows, -7));
                    Tensor tlp = ops.make(storage, dtype, new long[] {rows}, filled(rows, SENTINEL));
                    kernel.sample(tin, tindices, tlp, c);
                    double[] idx = ops.read(tindices);
                    for (int r = 0; r < rows; r++) {
                        if ((int) idx[r] != reference[r]) {
                            fail("sample " + dtype + " [" + rows + ", " + cols + "] " + c + " on " + storage + ": row " + r
                                    + " drew " + (int) idx[r] + ", its float32 widening " + reference[r] + seedNote());
                        }
                    }
                }
            }
        }
    }

    private static Sampling capped(Sampling s, int cols) {
        return new Sampling(s.temperature(), Math.min(s.topK(), cols), s.topP(), s.minP(), s.seed());
    }

    private int[] draws(DType dtype, double[] x, int rows, int cols, Sampling s) {
        int[] out = new int[rows];
        kernel.sample(hostTensor(dtype, new long[] {rows, cols}, x), Tensor.of(out, rows), null, s);
        return out;
    }

    private void checkSample(DType dtype, double[] x, int rows, int cols, Sampling s, Storage storage, boolean logProbs) {
        long[] shape = {rows, cols};
        double[] rounded = values(hostTensor(dtype, shape, x));
        int[] refIndices = new int[rows];
        double[] refLogProbs = new double[rows];
        ORACLE.sample(Tensor.of(rounded.clone(), shape), Tensor.of(refIndices, rows), Tensor.of(refLogProbs, rows), s);
        Tolerance tol = kernel.tolerance(Op.SAMPLE, dtype);
        try (Operands ops = new Operands(kernel)) {
            Tensor tin = ops.make(storage, dtype, shape, rounded);
            Tensor tindices = ops.make(storage, DType.INT32, new long[] {rows}, filled(rows, -7));
            Tensor tlp = logProbs ? ops.make(storage, dtype, new long[] {rows}, filled(rows, SENTINEL)) : null;
            kernel.sample(tin, tindices, tlp, s);
            double[] idx = ops.read(tindices);
            double[] lp = logProbs ? ops.read(tlp) : null;
            String where = "sample " + dtype + " [" + rows + ", " + cols + "] " + s + " on " + storage + seedNote();
            for (int r = 0; r < rows; r++) {
                if ((int) idx[r] != refIndices[r]) {
                    fail(where + ": row " + r + " drew " + (int) idx[r] + ", the oracle " + refIndices[r]);
                }
                if (logProbs && !tol.accepts(lp[r], refLogProbs[r])) {
                    fail(where + ": row " + r + " log-probability " + lp[r] + ", the oracle's " + refLogProbs[r]
                            + " (" + tol + ")");
                }
            }
        }
    }

    // ---------------------------------------------------------------- distribution

    /** One fixed row, the sampling, and the exact probabilities of the restricted distribution (0 outside it). */
    private record Case(String name, double[] row, Sampling sampling, double[] expected) {
    }

    private static double[] softmax(double[] x, double t, int... kept) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k : kept) {
            max = Math.max(max, x[k]);
        }
        double sum = 0;
        double[] p = new double[x.length];
        for (int k : kept) {
            p[k] = Math.exp((x[k] - max) / t);
            sum += p[k];
        }
        for (int k : kept) {
            p[k] /= sum;
        }
        return p;
    }

    private static List<Case> distributionCases() {
        double ninf = Double.NEGATIVE_INFINITY;
        double[] logits = {2, 1, 0.5, 0, -1, ninf};
        // Probabilities near 1/2, 1/4, 1/8, 1/16, 1/16, from logits that float32 holds exactly; the
        // top-p and min-p parameters are set from the very p_k = exp(x_k - max) the rules compute, so
        // each boundary falls exactly on a prefix's mass or an entry's probability (within rounding,
        // which the rules' slack absorbs), and just past it.
        List<Case> cases = new ArrayList<>();
        double[] dyadic = new double[5];
        double[] p = new double[5];
        double[] log = {0.5, 0.25, 0.125, 0.0625, 0.0625};
        for (int k = 0; k < 5; k++) {
            dyadic[k] = (float) Math.log(log[k]);
        }
        for (int k = 0; k < 5; k++) {
            p[k] = Math.exp(dyadic[k] - dyadic[0]);
        }
        double all = p[0] + p[1] + p[2] + p[3] + p[4];
        double twoOfAll = (p[0] + p[1]) / all;
        double threeOfFour = (p[0] + p[1] + p[2]) / (p[0] + p[1] + p[2] + p[3]);
        cases.add(new Case("plain", logits, Sampling.of(1, 1), softmax(logits, 1, 0, 1, 2, 3, 4)));
        cases.add(new Case("T 0.5, top-k 3", logits, new Sampling(0.5, 3, 1, 0, 2), softmax(logits, 0.5, 0, 1, 2)));
        cases.add(new Case("T 2.5", logits, Sampling.of(2.5, 3), softmax(logits, 2.5, 0, 1, 2, 3, 4)));
        cases.add(new Case("top-p exactly on two entries' mass", dyadic, new Sampling(1, 0, twoOfAll, 0, 4),
                softmax(dyadic, 1, 0, 1)));
        cases.add(new Case("top-p just above two entries' mass", dyadic, new Sampling(1, 0, twoOfAll + 1e-9, 0, 5),
                softmax(dyadic, 1, 0, 1, 2)));
        cases.add(new Case("top-k 4 then top-p exactly on three", dyadic, new Sampling(1, 4, threeOfFour, 0, 6),
                softmax(dyadic, 1, 0, 1, 2)));
        cases.add(new Case("min-p exactly the third entry's", dyadic, new Sampling(1, 0, 1, p[2], 7),
                softmax(dyadic, 1, 0, 1, 2)));
        cases.add(new Case("min-p just above the third entry's", dyadic, new Sampling(1, 0, 1, p[2] + 1e-9, 8),
                softmax(dyadic, 1, 0, 1)));
        cases.add(new Case("ties: top-k 2 of four equal", new double[] {1, 1, 1, 1, 0}, new Sampling(1, 2, 1, 0, 9),
                new double[] {0.5, 0.5, 0, 0, 0}));
        cases.add(new Case("ties: top-p 0.5 cuts through equals", new double[] {3, 3, 3, 3}, new Sampling(1, 0, 0.5, 0, 10),
                new double[] {0.5, 0.5, 0, 0}));
        return cases;
    }

    static Stream<Arguments> dtypesAndDistributionCases() {
        return Stream.of(DType.floating()).flatMap(d -> distributionCases().stream().map(c -> Arguments.of(d, c.name())));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dtypesAndDistributionCases")
    public void millionDrawsPassChiSquare(DType dtype, String name) {
        requireDtype(dtype);
        Case c = distributionCases().stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
        int cols = c.row().length;
        double[] x = new double[DRAWS * cols];
        for (int r = 0; r < DRAWS; r++) {
            System.arraycopy(c.row(), 0, x, r * cols, cols);
        }
        int[] drawn = draws(dtype, x, DRAWS, cols, c.sampling());
        long[] counts = new long[cols];
        for (int d : drawn) {
            assertTrue(d >= 0 && d < cols, "drew " + d);
            counts[d]++;
        }
        double chi2 = 0;
        int kept = 0;
        for (int k = 0; k < cols; k++) {
            double e = c.expected()[k] * DRAWS;
            if (e == 0) {
                assertEquals(0, counts[k], name + ": index " + k + " is outside the restricted distribution but was drawn "
                        + counts[k] + " times: " + Arrays.toString(counts));
                continue;
            }
            kept++;
            chi2 += (counts[k] - e) * (counts[k] - e) / e;
        }
        double limit = CHI2_9999[kept - 2];
        assertTrue(chi2 < limit, name + " " + dtype + ": chi-square " + chi2 + " >= " + limit + " (p < 1e-4, " + (kept - 1)
                + " degrees of freedom); counts " + Arrays.toString(counts) + ", expected " + Arrays.toString(c.expected()));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void onlyFiniteEntryIsAlwaysDrawn(DType dtype) {
        requireDtype(dtype);
        double ninf = Double.NEGATIVE_INFINITY;
        int cols = 37;
        int rows = 20_000;
        double[] x = new double[rows * cols];
        Arrays.fill(x, ninf);
        for (int r = 0; r < rows; r++) {
            x[r * cols + r % cols] = r % 5 - 2.0;
        }
        for (Sampling s : new Sampling[] {Sampling.of(1, 3), Sampling.of(0, 3), new Sampling(0.5, 3, 0.5, 0.5, 3)}) {
            int[] out = new int[rows];
            double[] lp = new double[rows];
            Tensor logProbs = dtype == DType.FLOAT64 ? Tensor.of(lp, rows)
                    : dtype.isHalf() ? hostTensor(dtype, new long[] {rows}, lp) : null;
            kernel.sample(hostTensor(dtype, new long[] {rows, cols}, x), Tensor.of(out, rows), logProbs, s);
            double[] got = logProbs != null ? values(logProbs) : null;
            for (int r = 0; r < rows; r++) {
                assertEquals(r % cols, out[r], "row " + r + ", " + s);
                if (logProbs != null) {
                    assertEquals(0.0, got[r], "log-probability of row " + r + ", " + s);
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void requireDtype(DType dtype) {
        assumeTrue(supports(dtype), () -> kernel.backend() + " does not compute in " + dtype);
    }

    private static String seedNote() {
        return "; rerun with -D" + TestSeed.PROPERTY + "=" + TestSeed.value();
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    private static Tensor hostTensor(DType dtype, long[] dims, double[] values) {
        if (dtype == DType.INT32) {
            return Tensor.of(Arrays.stream(values).mapToInt(v -> (int) v).toArray(), dims);
        }
        if (dtype == DType.FLOAT32) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return Tensor.of(f, dims);
        }
        if (dtype.isHalf()) {
            short[] bits = new short[values.length];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = Half.fromDouble(dtype, values[i]);
            }
            return Tensor.of(bits, dtype, dims);
        }
        return Tensor.of(values.clone(), dims);
    }

    private static double[] values(Tensor t) {
        double[] v = new double[Math.toIntExact(t.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.get(i);
        }
        return v;
    }

    private static short[] bits(Tensor t) {
        short[] b = new short[Math.toIntExact(t.size())];
        MemorySegment.copy(t.asHostSegment(), Tensor.I16, 0, b, 0, b.length);
        return b;
    }

    /** The operands of one call in one storage; closes what it allocated. */
    private static final class Operands implements AutoCloseable {
        private final SoftmaxKernel kernel;
        private final Arena arena = Arena.ofConfined();
        private final List<DeviceBuffer> buffers = new ArrayList<>();
        private final List<DeviceBuffer> owners = new ArrayList<>();
        private final List<Tensor> views = new ArrayList<>();

        Operands(SoftmaxKernel kernel) {
            this.kernel = kernel;
        }

        Tensor make(Storage storage, DType dtype, long[] dims, double[] values) {
            return place(storage, hostTensor(dtype, dims, values));
        }

        /** A 16-bit operand of exactly these bits (no value round trip, which could quiet a NaN). */
        Tensor makeBits(Storage storage, DType dtype, long[] dims, short[] bits) {
            return place(storage, Tensor.of(bits.clone(), dtype, dims));
        }

        private Tensor place(Storage storage, Tensor host) {
            DType dtype = host.dtype();
            long[] dims = host.shape().dims();
            long bytes = host.size() * dtype.byteSize();
            return switch (storage) {
                case ARRAY -> host;
                case HEAP_SEGMENT -> {
                    MemorySegment heap = MemorySegment.ofArray(new long[(int) ((bytes + 7) / 8)]).asSlice(0, bytes);
                    MemorySegment.copy(host.asHostSegment(), 0, heap, 0, bytes);
                    yield Tensor.of(heap, dtype, dims);
                }
                case OFF_HEAP_SEGMENT -> {
                    MemorySegment seg = arena.allocate(bytes + 64, 64).asSlice(dtype.byteSize(), bytes);
                    MemorySegment.copy(host.asHostSegment(), 0, seg, 0, bytes);
                    yield Tensor.of(seg, dtype, dims);
                }
                case KERNEL_BUFFER -> {
                    DeviceBuffer b = kernel.allocate(dtype, Math.max(1, host.size()));
                    buffers.add(b);
                    b.write(host);
                    Tensor t = Tensor.of(b, dims);
                    owners.add(b);
                    views.add(t);
                    yield t;
                }
            };
        }

        /** The bits of a 16-bit operand, wherever it lives. */
        short[] readBits(Tensor t) {
            Tensor host = t;
            int at = views.indexOf(t);
            if (at >= 0) {
                host = Tensor.of(new short[Math.toIntExact(t.size())], t.dtype(), t.shape().dims());
                owners.get(at).read(host);
            }
            return bits(host);
        }

        double[] read(Tensor t) {
            int at = views.indexOf(t);
            if (at >= 0) {
                Tensor host = hostTensor(t.dtype(), t.shape().dims(), new double[Math.toIntExact(t.size())]);
                owners.get(at).read(host);
                return values(host);
            }
            return values(t);
        }

        @Override
        public void close() {
            for (int i = buffers.size() - 1; i >= 0; i--) {
                buffers.get(i).close();
            }
            arena.close();
        }
    }
}
