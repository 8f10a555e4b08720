package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.TestSeed;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Measures the error of every op against the fp64 oracle on every strategy (row lengths from 1000
 * to 10^5, a strided axis), over row profiles that span the whole exp range, a sorted row, and
 * three temperatures, and checks it stays within {@link OpenClSoftmaxKernel#tolerance}. It prints the
 * worst relative error seen and the worst fraction of the bound used, the numbers quoted beside the
 * bounds in OpenClSoftmaxKernel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClToleranceTest {
    /** (mean, sd) of the rows: unit, peaked, wide (z down to -300), and far from zero. */
    private static final double[][] PROFILES = {{0, 1}, {0, 30}, {5, 40}, {-2500, 4}};
    private static final double[] TEMPERATURES = {1, 0.25, 3.7};
    private static final ScalarSoftmaxKernel ORACLE = new ScalarSoftmaxKernel();

    private OpenClSoftmaxKernel kernel;

    @BeforeAll
    void open() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
        kernel = new OpenClSoftmaxKernel();
    }

    @AfterAll
    void close() {
        if (kernel != null) {
            kernel.close();
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(Op.values()).filter(op -> op != Op.ARGMAX && op != Op.HARDMAX)
                .flatMap(op -> Stream.of(DType.floating()).map(d -> Arguments.of(op, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void errorStaysWithinTheStatedBound(Op op, DType dtype) {
        assumeTrue(dtype == DType.FLOAT32 || kernel.supportsFp64(), "device lacks cl_khr_fp64");
        SplittableRandom rnd = TestSeed.random("tolerance " + op + dtype);
        boolean f32 = dtype == DType.FLOAT32;
        // One shape per strategy: lanes per row, group with local row, online two-pass, strided. The
        // fp64 online rows stay short: the oracle sums in plain fp64, and past ~10^5 terms its own
        // drift (1e-12 relative at 3 x 10^5 terms, T 3.7) would be measured instead of the kernel's.
        long[][] shapes = {{PROFILES.length, 1000}, {PROFILES.length, f32 ? 8000 : 4000},
                {PROFILES.length, f32 ? 100_000 : 20_000}, {PROFILES.length, 300, 64}};
        int[] axes = {-1, -1, -1, 1};
        Tolerance tol = kernel.tolerance(op, dtype);
        double worstUse = 0;
        double worstRel = 0;
        for (int s = 0; s < shapes.length; s++) {
            long[] shape = shapes[s];
            Shape sh = Shape.of(shape);
            int axis = axes[s];
            long perProfile = sh.size() / PROFILES.length;
            double[] x = new double[Math.toIntExact(sh.size())];
            for (int i = 0; i < x.length; i++) {
                double[] p = PROFILES[(int) (i / perProfile)];
                x[i] = round(dtype, p[0] + p[1] * rnd.nextGaussian());
            }
            if (s == 2) {
                // Ascending: a new maximum at every element, the worst case for an online normalizer.
                java.util.Arrays.sort(x, Math.toIntExact(2 * perProfile), Math.toIntExact(3 * perProfile));
            }
            for (double t : op == Op.SOFTMAX || op == Op.LOG_SOFTMAX ? TEMPERATURES : new double[] {1}) {
                double[] ref = run(ORACLE, op, DType.FLOAT64, shape, axis, t, x);
                double[] y = run(kernel, op, dtype, shape, axis, t, x);
                for (int i = 0; i < ref.length; i++) {
                    double err = Math.abs(y[i] - ref[i]);
                    double use = err / (tol.atol() + tol.rtol() * Math.abs(ref[i]));
                    assertTrue(tol.accepts(y[i], ref[i]), op + " " + dtype + " shape " + java.util.Arrays.toString(shape)
                            + " T " + t + " element " + i + ": " + y[i] + " vs " + ref[i] + " beyond " + tol
                            + "; rerun with -D" + TestSeed.PROPERTY + "=" + TestSeed.value());
                    worstUse = Math.max(worstUse, use);
                    // Relative error where the bound's relative term dominates.
                    if (tol.rtol() * Math.abs(ref[i]) > tol.atol()) {
                        worstRel = Math.max(worstRel, err / Math.abs(ref[i]));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "tolerance %s %s: worst relative error %.3g, worst error / bound (%s) %.3f%n",
                op.cliName(), dtype, worstRel, tol, worstUse);
    }

    private static double[] run(SoftmaxKernel k, Op op, DType dtype, long[] shape, int axis, double t, double[] x) {
        Shape in = Shape.of(shape);
        Shape outShape = op.isReducing() ? in.reduce(in.normalizeAxis(axis), false) : in;
        Tensor src = tensor(dtype, shape, x);
        Tensor dst = tensor(dtype, outShape.dims(), new double[Math.toIntExact(outShape.size())]);
        switch (op) {
            case SOFTMAX -> k.softmax(src, dst, axis, t);
            case LOG_SOFTMAX -> k.logSoftmax(src, dst, axis, t);
            case LOGSUMEXP -> k.logSumExp(src, dst, axis, false);
            case SIGMOID -> k.sigmoid(src, dst);
            case LOG_SIGMOID -> k.logSigmoid(src, dst);
            default -> throw new IllegalArgumentException("op " + op + " is exact");
        }
        double[] y = new double[Math.toIntExact(dst.size())];
        for (int i = 0; i < y.length; i++) {
            y[i] = dst.get(i);
        }
        return y;
    }

    private static Tensor tensor(DType dtype, long[] shape, double[] x) {
        if (dtype == DType.FLOAT64) {
            return Tensor.of(x.clone(), shape);
        }
        float[] f = new float[x.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) x[i];
        }
        return Tensor.of(f, shape);
    }

    private static double round(DType dtype, double v) {
        return dtype == DType.FLOAT32 ? (float) v : v;
    }
}
