package dev.softmaxengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceTensor;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Op;
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
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parity and adversarial suite every backend runs. A backend's test is a subclass that supplies
 * its kernel:
 *
 * <pre>{@code
 * class VectorParityTest extends SoftmaxKernelParityTest {
 *     protected SoftmaxKernel createKernel() { return new VectorSoftmaxKernel(); }
 * }
 * }</pre>
 *
 * <p>Every result is compared with the oracle, {@link ScalarSoftmaxKernel} run in FLOAT64 on the same
 * inputs (float32 inputs widen exactly), elementwise within {@link SoftmaxKernel#tolerance}; NaN and
 * infinities must match exactly, and so must a float32 result whose exact value overflows float32.
 * Hardmax and argmax must match exactly. The kernel is created once per class and closed after it.
 * Randomized data comes from {@link TestSeed}: rerun a failure with the {@code -Dtests.seed} its
 * message names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SoftmaxKernelParityTest {

    /** Last-axis lengths on both sides of the powers of two, where vector tails and block sizes change. */
    private static final int[] RAGGED_COLS = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
            255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4098};

    /** Rank 1 to 4; the strided axes have inner sizes 1, 3, 8, 17, 64 and multiples, around vector widths. */
    private static final long[][] SHAPES = {
            {1}, {5}, {67},
            {1, 1}, {4, 9}, {9, 4}, {3, 64}, {2, 130},
            {2, 5, 1}, {2, 7, 3}, {3, 9, 8}, {2, 5, 17}, {2, 6, 64}, {3, 1, 5},
            {2, 3, 4, 5}, {1, 2, 3, 8}, {2, 3, 5, 17}, {2, 2, 2, 64}};

    /** Row profiles (mean, standard deviation): nearly uniform, unit, peaked, and far from zero. */
    private static final double[][] PROFILES = {{0, 0.01}, {0, 1}, {0, 30}, {-2500, 4}};

    private static final double[] SCALES = {0.1, 1, 4, 25};
    private static final double[] TEMPERATURES = {1, 0.25, 3.7};
    private static final int[] ADVERSARIAL_COLS = {1, 7, 64, 1025};
    private static final int MILLION = 1 << 20;
    private static final int THREADS = 4;

    /** Written into every output before a call: an element the kernel forgets to write fails the comparison. */
    private static final double SENTINEL = -4242.5;
    private static final int INDEX_SENTINEL = -7;
    private static final double U64 = 0x1p-53;

    /** Every dtype an op reads: the two it computes in and the two 16-bit storage dtypes. */
    private static final DType[] DTYPES = {DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16, DType.FLOAT16};

    private static final ScalarSoftmaxKernel ORACLE = new ScalarSoftmaxKernel();
    private static final Placement ON_ARRAYS = new Placement(Storage.FLOAT_OR_DOUBLE_ARRAY, Storage.FLOAT_OR_DOUBLE_ARRAY, false);
    /** Off-heap operands: the CPU backends run other code there (the simd backend's bfloat16 segment kernels). */
    private static final Placement OFF_HEAP = new Placement(Storage.OFF_HEAP_SEGMENT, Storage.OFF_HEAP_SEGMENT, false);

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
        System.out.println("parity suite: backend " + kernel.backend() + " on " + kernel.device()
                + ", " + TestSeed.PROPERTY + "=" + TestSeed.value());
    }

    @AfterAll
    public final void closeKernel() {
        if (kernel != null) {
            kernel.close();
        }
    }

    /** The calls under test: every op, logsumexp with and without keepdims. */
    public enum Form {
        SOFTMAX(Op.SOFTMAX, false),
        LOG_SOFTMAX(Op.LOG_SOFTMAX, false),
        LOGSUMEXP(Op.LOGSUMEXP, false),
        LOGSUMEXP_KEEPDIMS(Op.LOGSUMEXP, true),
        SIGMOID(Op.SIGMOID, false),
        LOG_SIGMOID(Op.LOG_SIGMOID, false),
        HARDMAX(Op.HARDMAX, false),
        ARGMAX(Op.ARGMAX, false);

        private final Op op;
        private final boolean keepdims;

        Form(Op op, boolean keepdims) {
            this.op = op;
            this.keepdims = keepdims;
        }

        public Op op() {
            return op;
        }

        boolean takesAxis() {
            return !op.isElementwise();
        }

        boolean takesTemperature() {
            return op == Op.SOFTMAX || op == Op.LOG_SOFTMAX;
        }

        boolean runsInPlace() {
            return !op.isReducing();
        }

        Shape outShape(Shape in, int axis) {
            return op.isReducing() ? in.reduce(in.normalizeAxis(axis), keepdims) : in;
        }

        /**
         * Runs this form through the public methods of {@link SoftmaxKernel}, as callers do. Argmax
         * writes {@code out} (INT32) when given, else the {@code int[]} {@code indices}.
         */
        void run(SoftmaxKernel k, Tensor in, Tensor out, int[] indices, int axis, double temperature) {
            switch (this) {
                case SOFTMAX -> k.softmax(in, out, axis, temperature);
                case LOG_SOFTMAX -> k.logSoftmax(in, out, axis, temperature);
                case LOGSUMEXP, LOGSUMEXP_KEEPDIMS -> k.logSumExp(in, out, axis, keepdims);
                case SIGMOID -> k.sigmoid(in, out);
                case LOG_SIGMOID -> k.logSigmoid(in, out);
                case HARDMAX -> k.hardmax(in, out, axis);
                case ARGMAX -> {
                    if (out == null) {
                        k.argmax(in, indices, axis);
                    } else {
                        k.argmax(in, out, axis, false);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return keepdims ? op.cliName() + " keepdims" : op.cliName();
        }
    }

    /** Where operands live. */
    public enum Storage {
        FLOAT_OR_DOUBLE_ARRAY,
        /** Off-heap, from a confined arena, starting one element past a 64-byte boundary. */
        OFF_HEAP_SEGMENT,
        HEAP_SEGMENT,
        /** The kernel's own {@link SoftmaxKernel#allocate} memory: device-resident on a GPU backend. */
        KERNEL_BUFFER
    }

    /** Where one call's input and output live; in place means out is in. */
    public record Placement(Storage in, Storage out, boolean inPlace) {
        @Override
        public String toString() {
            return inPlace ? "in place on " + in : "in " + in + ", out " + out;
        }
    }

    /** Rows built to break kernels: extremes, infinities, NaN, masks. Row r puts its special value first, in the middle or last. */
    public enum Adversary {
        PLUS_MINUS_1E30,
        RANGE_LIMITS,
        PLUS_INF,
        MINUS_INF,
        NAN,
        PLUS_INF_AND_NAN,
        PLUS_AND_MINUS_INF,
        MINUS_INF_MASK,
        ALL_MINUS_INF,
        ALL_EQUAL,
        HUGE_SPIKE,
        TINY_AND_HUGE;

        double[] row(int n, int r, DType dtype, SplittableRandom rnd) {
            // The largest magnitude the dtype holds: +-3.4e38 in float32, +-1.7e308 in float64.
            double big = largest(dtype);
            double tiny = smallest(dtype);
            int p = r == 0 ? 0 : r == 1 ? n / 2 : n - 1;
            double[] x = new double[n];
            for (int k = 0; k < n; k++) {
                x[k] = 2 * rnd.nextGaussian();
            }
            switch (this) {
                case PLUS_MINUS_1E30 -> {
                    for (int k = 0; k < n; k++) {
                        x[k] = pick(rnd, 1e30, -1e30, x[k]);
                    }
                    x[p] = r == 1 ? -1e30 : 1e30;
                }
                case RANGE_LIMITS -> {
                    for (int k = 0; k < n; k++) {
                        // In the other dtypes also values past the dtype's range (float16: 3.4e38 is inf).
                        x[k] = dtype == DType.FLOAT32
                                ? pick(rnd, big, -big, x[k])
                                : pick(rnd, big, -big, 3.4e38, -3.4e38, 7e4, x[k]);
                    }
                    x[p] = r == 1 ? -big : big;
                }
                case PLUS_INF -> x[p] = Double.POSITIVE_INFINITY;
                case MINUS_INF -> {
                    for (int k = 0; k < n / 4; k++) {
                        x[rnd.nextInt(n)] = Double.NEGATIVE_INFINITY;
                    }
                    x[p] = Double.NEGATIVE_INFINITY;
                }
                case NAN -> x[p] = Double.NaN;
                case PLUS_INF_AND_NAN -> {
                    x[(p + n / 3) % n] = Double.POSITIVE_INFINITY;
                    x[p] = Double.NaN;
                }
                case PLUS_AND_MINUS_INF -> {
                    x[n - 1 - p] = Double.NEGATIVE_INFINITY;
                    x[p] = Double.POSITIVE_INFINITY;
                }
                case MINUS_INF_MASK -> {
                    double[] finite = x.clone();
                    Arrays.fill(x, Double.NEGATIVE_INFINITY);
                    for (int k = 0; k < n / 8; k++) {
                        int at = rnd.nextInt(n);
                        x[at] = finite[at];
                    }
                    x[p] = finite[p];
                }
                case ALL_MINUS_INF -> Arrays.fill(x, Double.NEGATIVE_INFINITY);
                case ALL_EQUAL -> Arrays.fill(x, r == 0 ? 0 : r == 1 ? -7.25 : big);
                // exp(100) overflows float32, exp(1e4) float64: only a kernel that subtracts the max survives.
                case HUGE_SPIKE -> x[p] = r == 0 ? 100 : r == 1 ? 1e4 : 1e30;
                case TINY_AND_HUGE -> {
                    for (int k = 0; k < n; k++) {
                        x[k] = pick(rnd, tiny * (1 + rnd.nextInt(9)), -tiny, 1e-30, -1e-30, 1e30, -1e30, big / 4, -big / 4);
                    }
                    x[p] = big / 4;
                }
            }
            return x;
        }

        private static double pick(SplittableRandom rnd, double... choices) {
            return choices[rnd.nextInt(choices.length)];
        }
    }

    // ---------------------------------------------------------------- parameter sources

    static Stream<Arguments> formsAndDtypes() {
        return Stream.of(Form.values()).flatMap(f -> Stream.of(DTYPES).map(d -> Arguments.of(f, d)));
    }

    static Stream<Arguments> formsDtypesAndShapes() {
        return formsAndDtypes().flatMap(a -> Stream.of(SHAPES).map(s -> Arguments.of(a.get()[0], a.get()[1], s)));
    }

    static Stream<Arguments> raggedCases() {
        return formsAndDtypes().flatMap(a -> Arrays.stream(RAGGED_COLS).mapToObj(c -> Arguments.of(a.get()[0], a.get()[1], c)));
    }

    static Stream<Arguments> millionCases() {
        return Stream.of(Form.SOFTMAX, Form.LOG_SOFTMAX, Form.LOGSUMEXP)
                .flatMap(f -> Stream.of(DTYPES).map(d -> Arguments.of(f, d)));
    }

    static Stream<Arguments> adversarialCases() {
        return Stream.of(Adversary.values()).flatMap(k -> formsAndDtypes().map(a -> Arguments.of(k, a.get()[0], a.get()[1])));
    }

    static Stream<Arguments> temperatureCases() {
        return Stream.of(Form.SOFTMAX, Form.LOG_SOFTMAX).flatMap(f -> Stream.of(DTYPES)
                .flatMap(d -> Arrays.stream(TEMPERATURES).mapToObj(t -> Arguments.of(f, d, t))));
    }

    static Stream<Arguments> placements() {
        List<Placement> all = new ArrayList<>();
        for (Storage in : Storage.values()) {
            for (Storage out : Storage.values()) {
                all.add(new Placement(in, out, false));
            }
            all.add(new Placement(in, in, true));
        }
        return all.stream().flatMap(p -> formsAndDtypes()
                .filter(a -> placementApplies(p, (Form) a.get()[0]))
                .map(a -> Arguments.of(p, a.get()[0], a.get()[1])));
    }

    private static boolean placementApplies(Placement p, Form form) {
        return !p.inPlace() || form.runsInPlace();
    }

    static Stream<Arguments> validationCases() {
        return formsAndDtypes().flatMap(a -> Stream.of(Storage.FLOAT_OR_DOUBLE_ARRAY, Storage.KERNEL_BUFFER)
                .map(s -> Arguments.of(a.get()[0], a.get()[1], s)));
    }

    // ---------------------------------------------------------------- parity against the oracle

    @ParameterizedTest(name = "{0} {1} shape {2}")
    @MethodSource("formsDtypesAndShapes")
    public void everyAxisOfRankOneToFour(Form form, DType dtype, long[] shape) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("axes " + form + dtype + Arrays.toString(shape));
        double[] x = gaussian(rnd, size(shape), 0, SCALES[rnd.nextInt(SCALES.length)]);
        if (!form.takesAxis()) {
            verify(new Call("gaussian", form, dtype, shape, -1, 1, x));
            return;
        }
        for (int axis = -shape.length; axis < shape.length; axis++) {
            verify(new Call("gaussian", form, dtype, shape, axis, 1, x));
        }
    }

    @ParameterizedTest(name = "{0} {1} 4 x {2}")
    @MethodSource("raggedCases")
    public void raggedRowLengths(Form form, DType dtype, int cols) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("ragged " + form + dtype + cols);
        verify(new Call("rows N(0, 0.01), N(0, 1), N(0, 30), N(-2500, 4)", form, dtype,
                new long[] {PROFILES.length, cols}, -1, 1, profiledRows(rnd, cols)));
        if (cols <= 129) {
            // Short rows in numbers: blocks of a vector's width of rows and a partial last block
            // (simd reduces a block of short rows at once).
            long[] shape = {37, cols};
            verify(new Call("N(0, 3)", form, dtype, shape, -1, 1, gaussian(rnd, size(shape), 0, 3)));
        }
    }

    /**
     * Rows in off-heap memory (a confined arena's, and the kernel's own shared buffers, which a CPU
     * backend may split across threads): the ragged lengths, row counts whose total crosses 2^16
     * elements (where the simd backend slices a range of rows), rows longer than that, and a
     * temperature, since native memory runs other code than arrays on the CPU backends.
     */
    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("offHeapRowCases")
    public void raggedRowsOffHeap(Storage storage, Form form, DType dtype) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("off-heap rows " + storage + form + dtype);
        Placement p = new Placement(storage, storage, false);
        for (int cols : RAGGED_COLS) {
            verify(new Call("rows N(0, 0.01), N(0, 1), N(0, 30), N(-2500, 4)", form, dtype,
                    new long[] {PROFILES.length, cols}, -1, 1, profiledRows(rnd, cols)), p);
        }
        for (long[] shape : new long[][] {{70, 1000}, {3, 70001}, {1, 65553}, {300, 33}}) {
            double[] x = gaussian(rnd, size(shape), 0, 3);
            verify(new Call("N(0, 3)", form, dtype, shape, -1, 1, x), p);
            if (form.takesTemperature()) {
                verify(new Call("N(0, 3)", form, dtype, shape, -1, 0.25, x), p);
            }
        }
    }

    /** Every op with a non-zero bound, in both dtypes. */
    static Stream<Arguments> boundCases() {
        return Stream.of(Op.SOFTMAX, Op.LOG_SOFTMAX, Op.LOGSUMEXP, Op.SIGMOID, Op.LOG_SIGMOID)
                .flatMap(op -> Stream.of(DTYPES).map(d -> Arguments.of(op, d)));
    }

    /** How much looser than measured a declared bound may be before it says nothing. */
    static final double LOOSENESS_LIMIT = 8;

    /**
     * The bound a backend declares is within {@link ErrorCeilings} and earns its keep: over rows that
     * span the exp range (unit, peaked, wide with z to -300, far from 0), a sorted row (an online
     * normalizer's worst case), row lengths that reach each strategy, a strided axis and three
     * temperatures, the worst error is at least 1/{@value #LOOSENESS_LIMIT} of the bound. Prints the
     * measured worst fraction, the figure the backends quote beside their bounds. The oracle itself is
     * exempt from the looseness check (it is its own reference).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("boundCases")
    public void declaredBoundIsUnderTheCeilingAndNotLoose(Op op, DType dtype) {
        requireDtype(dtype);
        Tolerance tol = kernel.tolerance(op, dtype);
        Tolerance ceiling = ErrorCeilings.of(op, dtype);
        assertTrue(tol.rtol() <= ceiling.rtol() && tol.atol() <= ceiling.atol(), kernel.backend() + " declares "
                + tol + " for " + op.cliName() + " " + dtype + ", beyond the ceiling " + ceiling);
        SplittableRandom rnd = TestSeed.random("bound " + op + dtype);
        boolean f32 = dtype != DType.FLOAT64;
        double[][] profiles = {{0, 1}, {0, 30}, {5, 40}, {-2500, 4}};
        long[][] shapes = {{profiles.length, 37}, {profiles.length, 1000}, {profiles.length, 8000},
                {profiles.length, f32 ? 70_000 : 20_000}, {profiles.length, 300, 64}};
        int[] axes = {-1, -1, -1, -1, 1};
        boolean tempered = op == Op.SOFTMAX || op == Op.LOG_SOFTMAX;
        double worst = 0;
        String where = "";
        for (int s = 0; s < shapes.length; s++) {
            long[] shape = shapes[s];
            int n = size(shape);
            int per = n / profiles.length;
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                double[] p = profiles[i / per];
                x[i] = p[0] + p[1] * rnd.nextGaussian();
            }
            if (s == 3) {
                Arrays.sort(x, 2 * per, 3 * per);
            }
            for (double t : tempered ? new double[] {1, 0.25, 3.7} : new double[] {1}) {
                Call c = new Call("bound profiles", Form.valueOf(op.name()), dtype, shape, axes[s], t, round(dtype, x));
                double[] ref = reference(c).values();
                for (Placement p : new Placement[] {ON_ARRAYS, OFF_HEAP}) {
                    double[] y = run(kernel, c, p).values();
                    for (int i = 0; i < ref.length; i++) {
                        assertTrue(tol.accepts(y[i], ref[i]), op.cliName() + " " + dtype + " " + Arrays.toString(shape)
                                + " T " + t + " on " + p + " element " + i + ": " + y[i] + ", reference " + ref[i]
                                + ", beyond " + tol + seedNote());
                        if (Double.isFinite(ref[i])) {
                            double use = Math.abs(y[i] - ref[i]) / (tol.atol() + tol.rtol() * Math.abs(ref[i]));
                            if (use > worst) {
                                worst = use;
                                where = Arrays.toString(shape) + " T " + t + " on " + p;
                            }
                        }
                    }
                }
            }
        }
        System.out.printf(java.util.Locale.ROOT, "bound %s %s %s: worst error / bound (%s) %.4f at %s%n",
                kernel.backend(), op.cliName(), dtype, tol, worst, where);
        if (!(kernel instanceof ScalarSoftmaxKernel)) {
            assertTrue(worst * LOOSENESS_LIMIT >= 1, kernel.backend() + " declares " + tol + " for " + op.cliName()
                    + " " + dtype + ", but the worst error measured is " + String.format(java.util.Locale.ROOT, "%.4f", worst)
                    + " of it: more than " + LOOSENESS_LIMIT + "x loose" + seedNote());
        }
    }

    /**
     * The allocating array calls a newcomer reaches for first give exactly what the tensor calls give,
     * float32-in / float64-out is the float64 softmax of the widened rows, and bad arguments are
     * named.
     */
    @org.junit.jupiter.api.Test
    public void arrayCallsAreTheTensorCalls() {
        SplittableRandom rnd = TestSeed.random("array calls");
        int rows = 7;
        int cols = 37;
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 4);
        }
        float[] expected = new float[x.length];
        kernel.softmax(Tensor.of(x, rows, cols), Tensor.of(expected, rows, cols));
        assertTrue(Arrays.equals(expected, kernel.softmax(x, cols)), "softmax(float[], cols)" + seedNote());
        float[][] matrix = new float[rows][];
        for (int r = 0; r < rows; r++) {
            matrix[r] = Arrays.copyOfRange(x, r * cols, (r + 1) * cols);
        }
        float[][] byRow = kernel.softmax(matrix);
        for (int r = 0; r < rows; r++) {
            assertTrue(Arrays.equals(Arrays.copyOfRange(expected, r * cols, (r + 1) * cols), byRow[r]),
                    "softmax(float[][]) row " + r + seedNote());
        }
        float[] logs = new float[x.length];
        kernel.logSoftmax(Tensor.of(x, rows, cols), Tensor.of(logs, rows, cols));
        assertTrue(Arrays.equals(logs, kernel.logSoftmax(x, cols)), "logSoftmax(float[], cols)" + seedNote());
        float[] lse = new float[rows];
        kernel.logSumExp(Tensor.of(x, rows, cols), Tensor.of(lse, rows), -1, false);
        assertTrue(Arrays.equals(lse, kernel.logSumExp(x, cols)), "logSumExp(float[], cols)" + seedNote());
        int[] best = new int[rows];
        kernel.argmax(Tensor.of(x, rows, cols), best, -1);
        assertTrue(Arrays.equals(best, kernel.argmax(x, cols)), "argmax(float[], cols)" + seedNote());
        float[] sig = new float[x.length];
        kernel.sigmoid(Tensor.vector(x), Tensor.vector(sig));
        assertTrue(Arrays.equals(sig, kernel.sigmoid(x)), "sigmoid(float[])" + seedNote());
        if (supports(DType.FLOAT64)) {
            double[] wide = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                wide[i] = x[i];
            }
            double[] reference = new double[x.length];
            ORACLE.softmax(Tensor.of(wide, rows, cols), Tensor.of(reference, rows, cols));
            double[] actual = kernel.softmaxToDouble(x, cols);
            Tolerance bound = kernel.tolerance(Op.SOFTMAX, DType.FLOAT64);
            for (int i = 0; i < x.length; i++) {
                assertTrue(bound.accepts(actual[i], reference[i]), "softmaxToDouble element " + i + ": "
                        + actual[i] + ", reference " + reference[i] + seedNote());
            }
            assertTrue(Arrays.equals(kernel.softmax(wide, cols), actual), "softmax(double[], cols)" + seedNote());
        }
        assertEquals("cols must be >= 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> kernel.softmax(x, 0)).getMessage());
        assertEquals("x has 259 elements, not a multiple of cols = 10",
                assertThrows(IllegalArgumentException.class, () -> kernel.softmax(x, 10)).getMessage());
        assertEquals("x must not be null",
                assertThrows(IllegalArgumentException.class, () -> kernel.logSoftmax((float[]) null, 3)).getMessage());
        float[][] ragged = {new float[3], new float[2]};
        assertEquals("rows[1] has 2 elements, rows[0] has 3; all rows must have the same length",
                assertThrows(IllegalArgumentException.class, () -> kernel.softmax(ragged)).getMessage());
        assertEquals(0, kernel.softmax(new float[0][]).length);
        assertEquals(0, kernel.softmax(new float[0], 5).length);
    }

    /**
     * One long row, as a CPU backend with more threads than rows may cut it into parts and merge
     * their maxima and sums: parts that hold only -inf, a NaN or a +inf in one part, all -inf, a
     * temperature.
     */
    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("oneLongRowCases")
    public void oneLongRowInParts(Storage storage, Form form, DType dtype) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("one long row " + storage + form + dtype);
        Placement p = new Placement(storage, storage, false);
        int n = 70_000;
        double[] base = gaussian(rnd, n, 0, 4);
        double inf = Double.POSITIVE_INFINITY;
        String[] names = {"N(0, 4)", "first 40000 -inf", "last 40000 -inf", "a NaN in the second half",
                "a +inf in the first half", "all -inf", "one finite among -inf"};
        // Rows long enough to be cut (the simd backend cuts rows of 32K and more).
        for (int v = 0; v < names.length; v++) {
            double[] x = base.clone();
            switch (v) {
                case 1 -> Arrays.fill(x, 0, 40_000, -inf);
                case 2 -> Arrays.fill(x, n - 40_000, n, -inf);
                case 3 -> x[61_234] = Double.NaN;
                case 4 -> x[5_000] = inf;
                case 5 -> Arrays.fill(x, -inf);
                case 6 -> {
                    Arrays.fill(x, -inf);
                    x[63_333] = 2.5;
                }
                default -> { }
            }
            verify(new Call(names[v], form, dtype, new long[] {1, n}, -1, 1, x), p);
            if (form.takesTemperature()) {
                verify(new Call(names[v], form, dtype, new long[] {1, n}, -1, 0.25, x), p);
            }
        }
    }

    static Stream<Arguments> oneLongRowCases() {
        return Stream.of(Storage.FLOAT_OR_DOUBLE_ARRAY, Storage.KERNEL_BUFFER)
                .flatMap(s -> formsAndDtypes().map(a -> Arguments.of(s, a.get()[0], a.get()[1])));
    }

    static Stream<Arguments> offHeapRowCases() {
        return Stream.of(Storage.OFF_HEAP_SEGMENT, Storage.KERNEL_BUFFER)
                .flatMap(s -> formsAndDtypes().map(a -> Arguments.of(s, a.get()[0], a.get()[1])));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("formsAndDtypes")
    public void emptyAxesAndEmptyRows(Form form, DType dtype) {
        requireDtype(dtype);
        long[][] shapes = {{0}, {3, 0}, {0, 5}, {0, 0}, {2, 0, 3}};
        for (long[] shape : shapes) {
            if (!form.takesAxis()) {
                verify(new Call("empty", form, dtype, shape, -1, 1, new double[0]));
                continue;
            }
            for (int axis = -shape.length; axis < shape.length; axis++) {
                Call c = new Call("empty", form, dtype, shape, axis, 1, new double[0]);
                boolean noMaximum = Shape.of(shape).dim(axis) == 0 && c.outShape().size() > 0;
                if (form == Form.ARGMAX && noMaximum) {
                    int[] out = filledIndices(Math.toIntExact(c.outShape().size()));
                    expectRejected(c.describe() + " (no maximum over an empty axis)", "axis",
                            () -> indexState(out), () -> kernel.argmax(hostTensor(dtype, shape, new double[0]), out, c.axis()));
                } else {
                    verify(c);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} 2 x 2^20")
    @MethodSource("millionCases")
    public void millionColumns(Form form, DType dtype) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("million " + form + dtype);
        double[] x = new double[2 * MILLION];
        for (int k = 0; k < MILLION; k++) {
            x[k] = rnd.nextGaussian();
            x[MILLION + k] = 5 + 40 * rnd.nextGaussian();
        }
        verify(new Call("rows N(0, 1), N(5, 40)", form, dtype, new long[] {2, MILLION}, -1, 1, x));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("adversarialCases")
    public void adversarialRows(Adversary kind, Form form, DType dtype) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("adversarial " + kind + form + dtype);
        for (int n : ADVERSARIAL_COLS) {
            double[] x = new double[3 * n];
            for (int r = 0; r < 3; r++) {
                System.arraycopy(kind.row(n, r, dtype, rnd), 0, x, r * n, n);
            }
            double[] temperatures = form.takesTemperature() ? TEMPERATURES : new double[] {1};
            for (double t : temperatures) {
                verify(new Call(kind + " rows", form, dtype, new long[] {3, n}, -1, t, x));
                verify(new Call(kind + " rows", form, dtype, new long[] {3, n}, -1, t, x), OFF_HEAP);
                if (form.takesAxis()) {
                    verify(new Call(kind + " columns", form, dtype, new long[] {n, 3}, 0, t, transpose(x, 3, n)));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} T {2}")
    @MethodSource("temperatureCases")
    public void temperatures(Form form, DType dtype, double temperature) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("temperature " + form + dtype + temperature);
        for (double sd : new double[] {0.3, 3, 30}) {
            verify(new Call("N(0, " + sd + ")", form, dtype, new long[] {6, 300}, -1, temperature,
                    gaussian(rnd, 6 * 300, 0, sd)));
            double[] x = gaussian(rnd, 5 * 33 * 3, 0, sd);
            for (int axis : new int[] {1, -3}) {
                verify(new Call("N(0, " + sd + ")", form, dtype, new long[] {5, 33, 3}, axis, temperature, x));
            }
        }
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("placements")
    public void everyStorage(Placement placement, Form form, DType dtype) {
        requireDtype(dtype);
        SplittableRandom rnd = TestSeed.random("storage " + placement + form + dtype);
        // 300 short rows: several of the SIMD kernel's groups of rows, the last one staged.
        long[][] shapes = {{3, 37}, {300, 37}, {4, 9, 17}, {1030}};
        int[] axes = {-1, -1, 1, 0};
        for (int s = 0; s < shapes.length; s++) {
            Call c = new Call("N(0, 3)", form, dtype, shapes[s], axes[s], 1, gaussian(rnd, size(shapes[s]), 0, 3));
            verify(c, placement);
        }
    }

    /** Chained calls on the kernel's own buffers: how a GPU backend is used without host round trips. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void chainedCallsOnKernelBuffers(DType dtype) {
        requireDtype(dtype);
        long[] shape = {5, 259};
        double[] x = gaussian(TestSeed.random("chain " + dtype), size(shape), 0, 3);
        try (Operands ops = new Operands(kernel)) {
            Tensor a = ops.make(Storage.KERNEL_BUFFER, dtype, shape, x);
            Tensor b = ops.make(Storage.KERNEL_BUFFER, dtype, shape, filled(size(shape), SENTINEL));
            Tensor c = ops.make(Storage.KERNEL_BUFFER, dtype, new long[] {5}, filled(5, SENTINEL));
            String where = "chained on " + Storage.KERNEL_BUFFER;

            kernel.softmax(a, b, -1, 1);
            double[] probs = ops.read(b);
            compare(new Call("step 1 of a chain", Form.SOFTMAX, dtype, shape, -1, 1, x), where, Result.of(probs));

            kernel.logSoftmax(b, b, -1, 1);
            double[] logs = ops.read(b);
            compare(new Call("step 2: log-softmax in place of step 1", Form.LOG_SOFTMAX, dtype, shape, -1, 1, probs),
                    where, Result.of(logs));

            kernel.logSumExp(b, c, -1, false);
            compare(new Call("step 3: logsumexp of step 2", Form.LOGSUMEXP, dtype, shape, -1, 1, logs),
                    where, Result.of(ops.read(c)));

            kernel.hardmax(a, b, -1);
            compare(new Call("hardmax of step 1's input", Form.HARDMAX, dtype, shape, -1, 1, x), where, Result.of(ops.read(b)));

            int[] indices = new int[5];
            kernel.argmax(a, indices, -1);
            compare(new Call("argmax of step 1's input", Form.ARGMAX, dtype, shape, -1, 1, x), where, Result.of(indices));

            assertEquals(Arrays.toString(round(dtype, x)), Arrays.toString(ops.read(a)), "the chain's input buffer changed");
        }
    }

    // ---------------------------------------------------------------- documented semantics, checked directly

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void nanMakesTheWholeSliceNan(DType dtype) {
        requireDtype(dtype);
        double nan = Double.NaN;
        for (double[] row : new double[][] {{nan}, {1, nan, 2, 3}, {nan, 5, 1}, {4, 1, 2, nan}}) {
            long[] shape = {row.length};
            for (Form form : new Form[] {Form.SOFTMAX, Form.LOG_SOFTMAX, Form.LOGSUMEXP}) {
                double[] y = direct(form, dtype, shape, -1, row);
                for (double v : y) {
                    assertTrue(Double.isNaN(v), form + " " + dtype + " of " + Arrays.toString(row) + " gave " + Arrays.toString(y));
                }
            }
        }
        // Along a strided axis only the slice holding the NaN turns NaN.
        double[] x = {1, 2, nan, 3, 0, 1};
        double[] y = direct(Form.SOFTMAX, dtype, new long[] {3, 2}, 0, x);
        for (int k = 0; k < 3; k++) {
            assertTrue(Double.isNaN(y[2 * k]), "softmax axis 0 of [3, 2] column 0 holds a NaN, got " + Arrays.toString(y));
            assertTrue(Double.isFinite(y[2 * k + 1]), "softmax axis 0 of [3, 2] column 1 is finite, got " + Arrays.toString(y));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void minusInfinityGetsProbabilityZero(DType dtype) {
        requireDtype(dtype);
        double ninf = Double.NEGATIVE_INFINITY;
        double[] x = {0, ninf, 0, ninf};
        double[] p = direct(Form.SOFTMAX, dtype, new long[] {4}, -1, x);
        expectValues(Form.SOFTMAX, dtype, x, p, 0.5, 0, 0.5, 0);
        double[] lp = direct(Form.LOG_SOFTMAX, dtype, new long[] {4}, -1, x);
        expectValues(Form.LOG_SOFTMAX, dtype, x, lp, -Math.log(2), ninf, -Math.log(2), ninf);
        double[] lse = direct(Form.LOGSUMEXP, dtype, new long[] {4}, -1, x);
        expectValues(Form.LOGSUMEXP, dtype, x, lse, Math.log(2));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void plusInfinityOrOnlyMinusInfinityGivesNanSoftmax(DType dtype) {
        requireDtype(dtype);
        double inf = Double.POSITIVE_INFINITY;
        double ninf = Double.NEGATIVE_INFINITY;
        double nan = Double.NaN;
        double[][] rows = {{1, inf, 2}, {inf, inf}, {inf, ninf}, {ninf, ninf, ninf}, {ninf}, {inf, nan}};
        double[] logSumExps = {inf, inf, inf, ninf, ninf, nan};
        for (int r = 0; r < rows.length; r++) {
            double[] x = rows[r];
            long[] shape = {x.length};
            double[] nans = filled(x.length, nan);
            expectValues(Form.SOFTMAX, dtype, x, direct(Form.SOFTMAX, dtype, shape, -1, x), nans);
            expectValues(Form.LOG_SOFTMAX, dtype, x, direct(Form.LOG_SOFTMAX, dtype, shape, -1, x), nans);
            expectValues(Form.LOGSUMEXP, dtype, x, direct(Form.LOGSUMEXP, dtype, shape, -1, x), logSumExps[r]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void emptyAxisGivesEmptySoftmaxAndMinusInfinityLogSumExp(DType dtype) {
        requireDtype(dtype);
        double[] none = new double[0];
        assertEquals(0, direct(Form.SOFTMAX, dtype, new long[] {3, 0}, -1, none).length);
        double ninf = Double.NEGATIVE_INFINITY;
        expectValues(Form.LOGSUMEXP, dtype, none, direct(Form.LOGSUMEXP, dtype, new long[] {3, 0}, -1, none), ninf, ninf, ninf);
        expectValues(Form.LOGSUMEXP, dtype, none, direct(Form.LOGSUMEXP, dtype, new long[] {2, 0, 2}, 1, none), ninf, ninf, ninf, ninf);
        int[] out = new int[3];
        expectRejected("argmax " + dtype + " over the empty axis of [3, 0]", "axis", () -> indexState(out),
                () -> kernel.argmax(hostTensor(dtype, new long[] {3, 0}, none), out, -1));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void hardmaxAndArgmaxPickTheFirstMaximum(DType dtype) {
        requireDtype(dtype);
        double nan = Double.NaN;
        double ninf = Double.NEGATIVE_INFINITY;
        double[][] rows = {{3, 7, 7, 1}, {5, 5, 5}, {1, nan, 9, nan}, {ninf, ninf}, {2, 1, 2}, {-1}};
        int[] first = {1, 0, 1, 0, 0, 0};
        for (int r = 0; r < rows.length; r++) {
            expectFirstMaximum(dtype, "row " + Arrays.toString(rows[r]), rows[r], 1, first[r]);
            expectFirstMaximum(dtype, "row " + Arrays.toString(rows[r]) + " in every column", columns(rows[r]),
                    COLUMNS, first[r]);
        }
        SplittableRandom rnd = TestSeed.random("ties " + dtype);
        for (int n : new int[] {2, 8, 17, 64, 1025}) {
            double[] x = gaussian(rnd, n, 0, 1);
            int p = rnd.nextInt(n - 1);
            int q = p + 1 + rnd.nextInt(n - 1 - p);
            x[p] = 10;
            x[q] = 10;
            expectFirstMaximum(dtype, "random row of " + n + " with maxima at " + p + " and " + q, x, 1, p);
            // The same row down the columns of an [n, COLUMNS] tensor: the strided path must break ties the same way.
            expectFirstMaximum(dtype, "columns of " + n + " with maxima at " + p + " and " + q, columns(x), COLUMNS, p);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void sigmoidLimits(DType dtype) {
        requireDtype(dtype);
        double inf = Double.POSITIVE_INFINITY;
        double[] x = {0, inf, -inf, Double.NaN};
        expectValues(Form.SIGMOID, dtype, x, direct(Form.SIGMOID, dtype, new long[] {4}, -1, x), 0.5, 1, 0, Double.NaN);
        expectValues(Form.LOG_SIGMOID, dtype, x, direct(Form.LOG_SIGMOID, dtype, new long[] {4}, -1, x),
                -Math.log(2), 0, -inf, Double.NaN);
    }

    /**
     * sigmoid(z) = softmax([z, 0])[0] and log-sigmoid(z) = log-softmax([z, 0])[0]. Bound: the two
     * kernels' tolerances added, plus 4 fp64 ulps (relative; log-softmax also absolute, since its
     * log(sum) near 1 is accurate to an ulp of 1, not of the result).
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void sigmoidIsTheTwoClassSoftmax(DType dtype) {
        requireDtype(dtype);
        double big = largest(dtype);
        SplittableRandom rnd = TestSeed.random("two-class " + dtype);
        List<Double> zs = new ArrayList<>();
        for (double z = -60; z <= 60; z += 0.37) {
            zs.add(z);
        }
        for (int k = 0; k < 200; k++) {
            zs.add(300 * rnd.nextGaussian());
        }
        for (double z : new double[] {0, 1e-30, -1e-30, 1e30, -1e30, big, -big, -745, 88.7, 710, -103.3}) {
            zs.add(z);
        }
        // Values past a 16-bit dtype's range round to infinities, whose two-class softmax is NaN.
        double[] z = Arrays.stream(round(dtype, zs.stream().mapToDouble(Double::doubleValue).toArray()))
                .filter(Double::isFinite).toArray();
        int m = z.length;
        double[] pairs = new double[2 * m];
        for (int k = 0; k < m; k++) {
            pairs[2 * k] = z[k];
        }
        long[] pairShape = {m, 2};
        double[] sig = direct(Form.SIGMOID, dtype, new long[] {m}, -1, z);
        double[] logSig = direct(Form.LOG_SIGMOID, dtype, new long[] {m}, -1, z);
        double[] soft = direct(Form.SOFTMAX, dtype, pairShape, -1, pairs);
        double[] logSoft = direct(Form.LOG_SOFTMAX, dtype, pairShape, -1, pairs);
        for (int k = 0; k < m; k++) {
            double ref = ScalarSoftmaxKernel.sigmoid(z[k]);
            double bound = bound(Op.SIGMOID, Op.SOFTMAX, dtype, ref) + 4 * U64 * Math.abs(ref);
            assertTrue(Math.abs(sig[k] - soft[2 * k]) <= bound, "sigmoid(" + z[k] + ") = " + sig[k] + " but softmax(["
                    + z[k] + ", 0])[0] = " + soft[2 * k] + ", bound " + bound + " (" + dtype + ")" + seedNote());
            double logRef = ScalarSoftmaxKernel.logSigmoid(z[k]);
            double logBound = bound(Op.LOG_SIGMOID, Op.LOG_SOFTMAX, dtype, logRef) + 4 * U64 * (1 + Math.abs(logRef));
            assertTrue(Math.abs(logSig[k] - logSoft[2 * k]) <= logBound, "log-sigmoid(" + z[k] + ") = " + logSig[k]
                    + " but log-softmax([" + z[k] + ", 0])[0] = " + logSoft[2 * k] + ", bound " + logBound
                    + " (" + dtype + ")" + seedNote());
        }
    }

    private double bound(Op a, Op b, DType dtype, double ref) {
        Tolerance ta = kernel.tolerance(a, dtype);
        Tolerance tb = kernel.tolerance(b, dtype);
        return ta.atol() + tb.atol() + (ta.rtol() + tb.rtol()) * Math.abs(ref);
    }

    // ---------------------------------------------------------------- validation

    @ParameterizedTest(name = "{0} {1} out on {2}")
    @MethodSource("validationCases")
    public void rejectsBadArgumentsBeforeWriting(Form form, DType dtype, Storage storage) {
        requireDtype(dtype);
        long[] shape = {3, 5};
        int axis = -1;
        Shape outShape = form.outShape(Shape.of(shape), axis);
        long[] outDims = outShape.dims();
        double[] x = gaussian(TestSeed.random("validation " + form + dtype + storage), 15, 0, 1);
        DType other = dtype == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32;
        String name = form + " " + dtype + " (out on " + storage + "): ";
        try (Operands ops = new Operands(kernel)) {
            Tensor in = ops.make(storage, dtype, shape, x);
            if (form == Form.ARGMAX) {
                int[] out = filledIndices(3);
                Supplier<double[]> state = () -> indexState(out);
                expectRejected(name + "null in", "in", state, () -> kernel.argmax(null, out, axis));
                expectRejected(name + "null out", "out", state, () -> kernel.argmax(in, null, axis));
                int[] wrong = filledIndices(4);
                expectRejected(name + "4 indices for 3 rows", "out", () -> indexState(wrong), () -> kernel.argmax(in, wrong, axis));
                for (int bad : new int[] {2, -3}) {
                    expectRejected(name + "axis " + bad, "axis", state, () -> kernel.argmax(in, out, bad));
                }
                Tensor foreign = Tensor.of(new ForeignBuffer(dtype, 15), shape);
                expectRejected(name + "in on another backend's device", "in", state, () -> kernel.argmax(foreign, out, axis));
                expectRejected(name + "rank-0 in", "in", state,
                        () -> kernel.argmax(hostTensor(dtype, new long[0], new double[1]), out, axis));
                return;
            }
            Tensor out = ops.make(storage, dtype, outDims, filled(Math.toIntExact(outShape.size()), SENTINEL));
            Supplier<double[]> state = () -> ops.read(out);
            expectRejected(name + "null in", "in", state, () -> form.run(kernel, null, out, null, axis, 1));
            expectRejected(name + "null out", "out", () -> ops.read(in), () -> form.run(kernel, in, null, null, axis, 1));
            Tensor otherDtype = hostTensor(other, outDims, filled(Math.toIntExact(outShape.size()), SENTINEL));
            expectRejected(name + "out of dtype " + other, "out", () -> ops.read(otherDtype),
                    () -> form.run(kernel, in, otherDtype, null, axis, 1));
            long[] wrongDims = form.runsInPlace() ? new long[] {3, 6} : form.keepdims ? new long[] {3} : new long[] {3, 1};
            Tensor wrongShape = ops.make(storage, dtype, wrongDims, filled(size(wrongDims), SENTINEL));
            expectRejected(name + "out of shape " + Arrays.toString(wrongDims), "out", () -> ops.read(wrongShape),
                    () -> form.run(kernel, in, wrongShape, null, axis, 1));
            if (form.takesAxis()) {
                for (int bad : new int[] {2, -3, Integer.MIN_VALUE}) {
                    expectRejected(name + "axis " + bad, "axis", state, () -> form.run(kernel, in, out, null, bad, 1));
                }
                expectRejected(name + "rank-0 in", "in", state,
                        () -> form.run(kernel, hostTensor(dtype, new long[0], new double[1]), out, null, axis, 1));
            }
            if (form.takesTemperature()) {
                for (double t : new double[] {0, -0.0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                    expectRejected(name + "temperature " + t, "temperature", state, () -> form.run(kernel, in, out, null, axis, t));
                }
            }
            Tensor foreignIn = Tensor.of(new ForeignBuffer(dtype, 15), shape);
            expectRejected(name + "in on another backend's device", "in", state,
                    () -> form.run(kernel, foreignIn, out, null, axis, 1));
            Tensor foreignOut = Tensor.of(new ForeignBuffer(dtype, outShape.size()), outDims);
            expectRejected(name + "out on another backend's device", "out", () -> ops.read(in),
                    () -> form.run(kernel, in, foreignOut, null, axis, 1));
            if (storage == Storage.FLOAT_OR_DOUBLE_ARRAY) {
                rejectsOverlapAndReadOnlyOut(form, dtype, name, x, ops);
            } else if (!form.runsInPlace()) {
                // Views of one buffer start at its first element, so a reduced out over the input overlaps partly.
                Tensor overlapping = Tensor.of(bufferOf(in), outDims);
                expectRejected(name + "out over the first elements of in", "out", () -> ops.read(in),
                        () -> form.run(kernel, in, overlapping, null, axis, 1));
            }
        }
    }

    private void rejectsOverlapAndReadOnlyOut(Form form, DType dtype, String name, double[] x, Operands ops) {
        long[] shape = {3, 5};
        long[] outDims = form.outShape(Shape.of(shape), -1).dims();
        long outSize = Shape.of(outDims).size();
        long bytes = dtype.byteSize();
        double[] whole = Arrays.copyOf(x, 16);
        Tensor backing = ops.make(Storage.OFF_HEAP_SEGMENT, dtype, new long[] {16}, whole);
        MemorySegment seg = backing.asHostSegment();
        Tensor in = Tensor.of(seg.asSlice(0, 15 * bytes), dtype, shape);
        Tensor shifted = Tensor.of(seg.asSlice(bytes, outSize * bytes), dtype, outDims);
        expectRejected(name + "out one element past in, overlapping", "out", () -> ops.read(backing),
                () -> form.run(kernel, in, shifted, null, -1, 1));
        if (!form.runsInPlace() && !form.keepdims) {
            // logsumexp of [3, 1] over axis 1 into [3] over the same memory: same size, still not in place.
            double[] three = Arrays.copyOf(x, 3);
            Tensor column = hostTensor(dtype, new long[] {3, 1}, three);
            Tensor same = column.reshape(3);
            expectRejected(name + "out is in", "out", () -> ops.read(column), () -> form.run(kernel, column, same, null, 1, 1));
        }
        Tensor arrayIn = hostTensor(dtype, shape, x);
        MemorySegment readOnly = MemorySegment.ofArray(new double[Math.toIntExact(outSize)]).asReadOnly();
        Tensor readOnlyOut = Tensor.of(readOnly, dtype, outDims);
        expectRejected(name + "read-only out", "out", () -> ops.read(readOnlyOut),
                () -> form.run(kernel, arrayIn, readOnlyOut, null, -1, 1));
    }

    // ---------------------------------------------------------------- threads

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "BFLOAT16", "FLOAT16"})
    public void oneKernelSharedByFourThreads(DType dtype) throws InterruptedException {
        requireDtype(dtype);
        long[][] shapes = {{8, 257}, {33, 17}, {3, 4, 65}, {2, 1024}};
        int[] axes = {-1, 0, 1, -1};
        Storage[] storages = {Storage.FLOAT_OR_DOUBLE_ARRAY, Storage.KERNEL_BUFFER, Storage.OFF_HEAP_SEGMENT};
        List<List<Call>> work = new ArrayList<>();
        List<List<Result>> references = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            SplittableRandom rnd = TestSeed.random("threads " + dtype + t);
            double[] x = gaussian(rnd, size(shapes[t]), 0, 5);
            List<Call> calls = new ArrayList<>();
            List<Result> refs = new ArrayList<>();
            for (Form form : Form.values()) {
                Call c = new Call("thread " + t, form, dtype, shapes[t], axes[t], 1, x);
                calls.add(c);
                refs.add(reference(c));
            }
            work.add(calls);
            references.add(refs);
        }
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                List<Call> calls = work.get(t);
                List<Result> refs = references.get(t);
                done.add(pool.submit(() -> {
                    start.await();
                    for (int iteration = 0; iteration < 12 && !Thread.currentThread().isInterrupted(); iteration++) {
                        Storage s = storages[iteration % storages.length];
                        Placement p = new Placement(s, s, false);
                        for (int i = 0; i < calls.size(); i++) {
                            Call c = calls.get(i);
                            compare(c, p + ", " + THREADS + " threads", refs.get(i), run(kernel, c, p));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                try {
                    f.get(2, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof AssertionError a) {
                        throw a;
                    }
                    throw new AssertionError("a thread failed: " + e.getCause() + seedNote(), e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("4 threads sharing one kernel did not finish in 2 minutes (deadlock?)" + seedNote());
                }
            }
        } finally {
            // A failed thread must not leave the others running into the next test's use of the kernel.
            pool.shutdownNow();
            if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
                fail("threads sharing one kernel ignored interruption for 2 minutes" + seedNote());
            }
        }
    }

    // ---------------------------------------------------------------- machinery

    /** One call: the form, its operands' shape and axis, and inputs already representable in {@code dtype}. */
    private record Call(String label, Form form, DType dtype, long[] shape, int axis, double temperature, double[] input) {
        Call {
            input = round(dtype, input);
        }

        Shape outShape() {
            return form.outShape(Shape.of(shape), axis);
        }

        /** The same inputs, widened exactly, for the oracle. */
        Call widened() {
            return new Call(label, form, DType.FLOAT64, shape, axis, temperature, input);
        }

        String describe() {
            return form + " " + dtype + " shape " + Arrays.toString(shape)
                    + (form.takesAxis() ? " axis " + axis : " elementwise")
                    + (form.takesTemperature() ? " T " + temperature : "");
        }
    }

    /** Output of one call: values, or the indices of argmax. */
    private record Result(double[] values, int[] indices) {
        static Result of(double[] values) {
            return new Result(values, null);
        }

        static Result of(int[] indices) {
            return new Result(null, indices);
        }
    }

    private void requireDtype(DType dtype) {
        assumeTrue(supports(dtype), () -> kernel.backend() + " on " + kernel.device() + " does not compute in " + dtype
                + " (supports(" + dtype + ") is false)");
    }

    private void verify(Call c) {
        verify(c, ON_ARRAYS);
    }

    private void verify(Call c, Placement p) {
        compare(c, p.toString(), reference(c), run(kernel, c, p));
    }

    private static Result reference(Call c) {
        return run(ORACLE, c.widened(), ON_ARRAYS);
    }

    private static Result run(SoftmaxKernel k, Call c, Placement p) {
        try (Operands ops = new Operands(k)) {
            Tensor in = ops.make(p.in(), c.dtype(), c.shape(), c.input());
            int outSize = Math.toIntExact(c.outShape().size());
            if (c.form() == Form.ARGMAX && p.out() == Storage.FLOAT_OR_DOUBLE_ARRAY) {
                int[] indices = filledIndices(outSize);
                c.form().run(k, in, null, indices, c.axis(), c.temperature());
                return Result.of(indices);
            }
            if (c.form() == Form.ARGMAX) {
                // An INT32 tensor in the placement's storage: segments and the kernel's own buffers.
                Tensor out = ops.make(p.out(), DType.INT32, c.outShape().dims(), indexState(filledIndices(outSize)));
                c.form().run(k, in, out, null, c.axis(), c.temperature());
                return Result.of(Arrays.stream(ops.read(out)).mapToInt(v -> (int) v).toArray());
            }
            Tensor out = p.inPlace() ? in : ops.make(p.out(), c.dtype(), c.outShape().dims(), filled(outSize, SENTINEL));
            c.form().run(k, in, out, null, c.axis(), c.temperature());
            return Result.of(ops.read(out));
        }
    }

    private void compare(Call c, String where, Result actual) {
        compare(c, where, reference(c), actual);
    }

    /** Elementwise comparison with the oracle; for softmax also the row sums. Thread-safe. */
    private void compare(Call c, String where, Result reference, Result actual) {
        String context = c.describe() + " (" + c.label() + ", " + where + ")";
        long[] outDims = c.outShape().dims();
        if (c.form() == Form.ARGMAX) {
            for (int i = 0; i < reference.indices().length; i++) {
                if (reference.indices()[i] != actual.indices()[i]) {
                    fail(context + ": argmax" + Arrays.toString(unravel(outDims, i)) + " = " + actual.indices()[i]
                            + ", reference " + reference.indices()[i] + seedNote());
                }
            }
            return;
        }
        Tolerance tol = kernel.tolerance(c.form().op(), c.dtype());
        double[] ref = reference.values();
        double[] y = actual.values();
        for (int i = 0; i < ref.length; i++) {
            double expected = roundedOverflow(c.dtype(), ref[i]);
            if (!tol.accepts(y[i], expected)) {
                fail(context + ": out" + Arrays.toString(unravel(outDims, i)) + " (element " + i + ") = " + y[i]
                        + ", reference " + expected + ", |difference| " + Math.abs(y[i] - expected) + " > " + tol
                        + seedNote());
            }
        }
        if (c.form() == Form.SOFTMAX) {
            checkRowSums(c, context, tol, ref, y);
        }
    }

    /**
     * An output whose exact value lies beyond its dtype's range can only be the infinity it rounds
     * to (log-softmax of [3.4e38, -3.4e38] is [0, -inf] in float32; of [65504, -65504], in float16).
     */
    private static double roundedOverflow(DType dtype, double ref) {
        if (dtype == DType.FLOAT64 || !Double.isFinite(ref)) {
            return ref;
        }
        double r = roundTo(dtype, ref);
        return Double.isInfinite(r) ? r : ref;
    }

    /** {@code v} rounded once to {@code dtype}, as a double. */
    private static double roundTo(DType dtype, double v) {
        return switch (dtype) {
            case FLOAT32 -> (float) v;
            case BFLOAT16, FLOAT16 -> Half.toFloat(dtype, Half.fromDouble(dtype, v));
            default -> v;
        };
    }

    /** The largest finite value of {@code dtype} (float64: 1.7e308, just under it). */
    private static double largest(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> Float.MAX_VALUE;
            case BFLOAT16 -> Half.bf16ToFloat((short) 0x7f7f);
            case FLOAT16 -> 65504;
            default -> 1.7e308;
        };
    }

    /** The smallest positive (subnormal) value of {@code dtype}. */
    private static double smallest(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> Float.MIN_VALUE;
            case BFLOAT16 -> 0x1p-133;
            case FLOAT16 -> 0x1p-24;
            default -> Double.MIN_VALUE;
        };
    }

    /**
     * Every finite softmax slice sums to 1 within {@code n * atol + rtol + 4 (n + 1) u}: the elementwise
     * bound summed, plus the fp64 rounding (u = 2^-53) of the oracle's normalization and of this sum.
     */
    private static void checkRowSums(Call c, String context, Tolerance tol, double[] ref, double[] y) {
        Shape s = Shape.of(c.shape());
        int axis = s.normalizeAxis(c.axis());
        long outer = s.outer(axis);
        long n = s.dim(axis);
        long inner = s.inner(axis);
        if (n == 0) {
            return;
        }
        double bound = n * tol.atol() + tol.rtol() + 4 * (n + 1) * U64;
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                double sum = 0;
                boolean finite = true;
                for (long k = 0; k < n; k++) {
                    int idx = Math.toIntExact((o * n + k) * inner + i);
                    finite &= Double.isFinite(ref[idx]);
                    sum += y[idx];
                }
                if (finite && !(Math.abs(sum - 1) <= bound)) {
                    fail(context + ": slice (outer " + o + ", inner " + i + ") sums to " + sum + ", |sum - 1| > "
                            + bound + seedNote());
                }
            }
        }
    }

    /** The kernel's output for {@code x}, on arrays, for the semantic checks. */
    private double[] direct(Form form, DType dtype, long[] shape, int axis, double[] x) {
        return run(kernel, new Call("direct", form, dtype, shape, axis, 1, x),
                ON_ARRAYS).values();
    }

    /** NaN, infinities and zeros exactly (either sign of zero); other values within the kernel's tolerance. */
    private void expectValues(Form form, DType dtype, double[] x, double[] actual, double... expected) {
        assertEquals(expected.length, actual.length, form + " " + dtype + " of " + Arrays.toString(x) + ": output length");
        Tolerance tol = kernel.tolerance(form.op(), dtype);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(actual[i])
                    : e == 0 || Double.isInfinite(e) ? actual[i] == e
                    : tol.accepts(actual[i], e);
            assertTrue(ok, form + " " + dtype + " of " + Arrays.toString(x) + ": element " + i + " = " + actual[i]
                    + ", the contract says " + e + " (" + tol + ")");
        }
    }

    /** Hardmax is one-hot at {@code first} and argmax is {@code first}, along axis 0 of column 0 when stride > 1. */
    /** Columns of the strided argmax checks: whole vectors of every species up to 512 bits, and a tail. */
    private static final int COLUMNS = 37;

    /** {@code x} down each column of an {@code [x.length, COLUMNS]} tensor but the last, which is constant. */
    private static double[] columns(double[] x) {
        double[] out = new double[x.length * COLUMNS];
        for (int k = 0; k < x.length; k++) {
            Arrays.fill(out, k * COLUMNS, (k + 1) * COLUMNS - 1, x[k]);
            out[(k + 1) * COLUMNS - 1] = 1;
        }
        return out;
    }

    /**
     * Hardmax and argmax of {@code x} ({@code [n]}, or {@code [n, stride]} along axis 0) pick
     * {@code first}: in every column but the last of a strided tensor, which is constant and picks 0.
     */
    private void expectFirstMaximum(DType dtype, String what, double[] x, int stride, int first) {
        int n = x.length / stride;
        long[] shape = stride == 1 ? new long[] {n} : new long[] {n, stride};
        int axis = stride == 1 ? -1 : 0;
        double[] oneHot = direct(Form.HARDMAX, dtype, shape, axis, x);
        int[] indices = filledIndices(stride);
        kernel.argmax(hostTensor(dtype, shape, round(dtype, x)), indices, axis);
        for (int c = 0; c < stride; c++) {
            int expected = stride > 1 && c == stride - 1 ? 0 : first;
            String column = stride == 1 ? "" : ", column " + c;
            for (int k = 0; k < n; k++) {
                assertEquals(k == expected ? 1.0 : 0.0, oneHot[k * stride + c], "hardmax " + dtype + " of " + what
                        + column + ": element " + k + ", the first maximum is " + expected + seedNote());
            }
            assertEquals(expected, indices[c], "argmax " + dtype + " of " + what + column + seedNote());
        }
    }

    /** Asserts {@code call} throws IllegalArgumentException naming {@code argument}, and {@code state} is unchanged. */
    private static void expectRejected(String what, String argument, Supplier<double[]> state, Executable call) {
        double[] before = state.get();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what + " must be rejected");
        String message = String.valueOf(e.getMessage());
        assertTrue(Pattern.compile("(?<![\\w-])" + Pattern.quote(argument) + "(?![\\w-])").matcher(message).find(),
                what + ": the message must name '" + argument + "', was: " + message);
        assertEquals(Arrays.toString(before), Arrays.toString(state.get()), what + ": a rejected call wrote memory");
    }

    private static String seedNote() {
        return "; rerun with -D" + TestSeed.PROPERTY + "=" + TestSeed.value();
    }

    /**
     * The operands of one call in one storage; closes what it allocated. Confined arenas are made per
     * call, so each thread of the thread test owns its own.
     */
    private static final class Operands implements AutoCloseable {
        private final SoftmaxKernel kernel;
        private final Arena arena = Arena.ofConfined();
        private final List<DeviceBuffer> buffers = new ArrayList<>();

        Operands(SoftmaxKernel kernel) {
            this.kernel = kernel;
        }

        Tensor make(Storage storage, DType dtype, long[] dims, double[] values) {
            Tensor host = hostTensor(dtype, dims, values);
            long bytes = host.size() * dtype.byteSize();
            return switch (storage) {
                case FLOAT_OR_DOUBLE_ARRAY -> host;
                case HEAP_SEGMENT -> Tensor.of(heapSegment(host), dtype, dims);
                case OFF_HEAP_SEGMENT -> {
                    // One element past a 64-byte boundary: the contract promises no alignment, so neither does the test.
                    MemorySegment seg = arena.allocate(bytes + 64, 64).asSlice(dtype.byteSize(), bytes);
                    MemorySegment.copy(heapSegment(host), 0, seg, 0, bytes);
                    yield Tensor.of(seg, dtype, dims);
                }
                case KERNEL_BUFFER -> {
                    DeviceBuffer b = kernel.allocate(dtype, Math.max(1, host.size()));
                    buffers.add(b);
                    if (host.size() > 0) {
                        b.write(host);
                    }
                    yield Tensor.of(b, dims);
                }
            };
        }

        /** The elements of {@code t}, through {@link DeviceBuffer#read} when it is a kernel buffer. */
        double[] read(Tensor t) {
            int n = Math.toIntExact(t.size());
            DeviceBuffer buffer = bufferOf(t);
            if (buffer != null) {
                Tensor host = hostTensor(t.dtype(), t.shape().dims(), new double[n]);
                if (n > 0) {
                    buffer.read(host);
                }
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

    /** Device memory of a backend that is not the kernel under test: every kernel must refuse it. */
    private record ForeignBuffer(DType dtype, long elements) implements DeviceBuffer {
        @Override
        public String backend() {
            return "foreign";
        }

        @Override
        public void write(Tensor src) {
            throw new IllegalStateException("foreign memory is out of this test's reach");
        }

        @Override
        public void read(Tensor dst) {
            throw new IllegalStateException("foreign memory is out of this test's reach");
        }

        @Override
        public void close() {
        }
    }

    private static Tensor hostTensor(DType dtype, long[] dims, double[] values) {
        if (dtype.isHalf()) {
            short[] h = new short[values.length];
            for (int i = 0; i < h.length; i++) {
                h[i] = Half.fromDouble(dtype, values[i]);
            }
            return Tensor.of(h, dtype, dims);
        }
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
        return Tensor.of(values.clone(), dims);
    }

    private static MemorySegment heapSegment(Tensor host) {
        return host.asHostSegment();
    }

    /** The kernel buffer behind a tensor (a device view, or a segment view of a host buffer), else null. */
    private static DeviceBuffer bufferOf(Tensor t) {
        return switch (t) {
            case DeviceTensor d -> d.buffer();
            case SegmentTensor s -> s.buffer().orElse(null);
            case ArrayTensor a -> null;
        };
    }

    private static double[] values(Tensor host) {
        double[] v = new double[Math.toIntExact(host.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = host.get(i);
        }
        return v;
    }

    private static double[] round(DType dtype, double[] x) {
        double[] r = x.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = roundTo(dtype, r[i]);
        }
        return r;
    }

    private static double[] gaussian(SplittableRandom rnd, int n, double mean, double sd) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = mean + sd * rnd.nextGaussian();
        }
        return x;
    }

    private static double[] profiledRows(SplittableRandom rnd, int cols) {
        double[] x = new double[PROFILES.length * cols];
        for (int r = 0; r < PROFILES.length; r++) {
            for (int k = 0; k < cols; k++) {
                x[r * cols + k] = PROFILES[r][0] + PROFILES[r][1] * rnd.nextGaussian();
            }
        }
        return x;
    }

    /** The [cols, rows] transpose of a row-major [rows, cols] array. */
    private static double[] transpose(double[] x, int rows, int cols) {
        double[] t = new double[x.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + r] = x[r * cols + k];
            }
        }
        return t;
    }

    private static double[] filled(int n, double v) {
        double[] x = new double[n];
        Arrays.fill(x, v);
        return x;
    }

    private static int[] filledIndices(int n) {
        int[] x = new int[n];
        Arrays.fill(x, INDEX_SENTINEL);
        return x;
    }

    private static double[] indexState(int[] indices) {
        return Arrays.stream(indices).asDoubleStream().toArray();
    }

    private static int size(long[] shape) {
        return Math.toIntExact(Shape.of(shape).size());
    }

    private static long[] unravel(long[] dims, long flat) {
        long[] idx = new long[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            if (dims[d] > 0) {
                idx[d] = flat % dims[d];
                flat /= dims[d];
            }
        }
        return idx;
    }
}
