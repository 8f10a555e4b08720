package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.SoftmaxEngineException;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.TestSeed;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.jocl.CL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the shared parity suite does not see: which strategy runs on this device, device-resident
 * calls without staging, ownership of memory objects, leaks over 10,000 calls, error surfacing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClSoftmaxKernelTest {
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

    // ---- dispatch on the device ------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void everyStrategyRunsOnItsBoundaryShapes(DType dtype) {
        requireDtype(dtype);
        long local = kernel.localRowElements(dtype);
        long lanes = Strategy.LANES_MAX_COLS;
        check(dtype, Op.SOFTMAX, new long[] {3, lanes}, -1, Strategy.LANES_PER_ROW);
        check(dtype, Op.SOFTMAX, new long[] {5, 7, 3}, 1, Strategy.STRIDED);
        check(dtype, Op.LOG_SOFTMAX, new long[] {3, local + 1}, -1, Strategy.ONLINE_TWO_PASS);
        check(dtype, Op.LOGSUMEXP, new long[] {3, lanes + 1}, -1, Strategy.ONLINE_TWO_PASS);
        check(dtype, Op.HARDMAX, new long[] {3, lanes + 1}, -1, Strategy.ONLINE_TWO_PASS);
        check(dtype, Op.SIGMOID, new long[] {3, 5}, -1, Strategy.ELEMENTWISE);
        if (local > lanes) {
            check(dtype, Op.SOFTMAX, new long[] {3, lanes + 1}, -1, Strategy.GROUP_LOCAL);
            check(dtype, Op.LOG_SOFTMAX, new long[] {3, local}, -1, Strategy.GROUP_LOCAL);
        }
    }

    @Test
    void programsAreBuiltOncePerContext() {
        float[] x = new float[4 * 40];
        kernel.softmax(Tensor.of(x, 4, 40), Tensor.of(new float[x.length], 4, 40));
        int built = kernel.programCount();
        for (int i = 0; i < 5; i++) {
            kernel.softmax(Tensor.of(x, 4, 40), Tensor.of(new float[x.length], 4, 40));
            kernel.logSumExp(Tensor.of(x, 4, 40), Tensor.of(new float[4], 4), -1, false);
        }
        assertEquals(built, kernel.programCount(), "the lanes program was built again");
    }

    // ---- device-resident memory -----------------------------------------------------------------

    @Test
    void deviceBuffersComputeWithoutStaging() {
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel()) {
            long[] shape = {6, 300};
            float[] x = random("device-resident", 6 * 300, 4);
            try (DeviceBuffer a = k.allocate(DType.FLOAT32, x.length);
                 DeviceBuffer b = k.allocate(DType.FLOAT32, x.length)) {
                a.write(Tensor.of(x, shape));
                assertEquals(2, k.liveMemObjects());
                k.softmax(Tensor.of(a, shape), Tensor.of(b, shape));
                k.logSoftmax(Tensor.of(b, shape), Tensor.of(b, shape));
                // Device operands only: no staging buffer was ever created, so nothing went through the host.
                assertEquals(2, k.liveMemObjects());
                float[] y = new float[x.length];
                b.read(Tensor.of(y, shape));
                float[] p = new float[x.length];
                ORACLE.softmax(Tensor.of(x, shape), Tensor.of(p, shape));
                float[] ref = new float[x.length];
                ORACLE.logSoftmax(Tensor.of(p, shape), Tensor.of(ref, shape));
                assertClose(k.tolerance(Op.LOG_SOFTMAX, DType.FLOAT32), ref, y, "log-softmax of softmax on device");
            }
            assertEquals(0, k.liveMemObjects());
            // Host operands go through two staging buffers, made once and reused.
            for (int i = 0; i < 3; i++) {
                k.softmax(Tensor.of(new float[12], 3, 4), Tensor.of(new float[12], 3, 4));
            }
            assertEquals(2, k.liveMemObjects());
        }
    }

    @Test
    void executeTimedReadsTheKernelsProfilingEvent() {
        long[] shape = {64, 512};
        try (DeviceBuffer a = kernel.allocate(DType.FLOAT32, 64 * 512);
             DeviceBuffer b = kernel.allocate(DType.FLOAT32, 64 * 512)) {
            a.write(Tensor.of(random("timed", 64 * 512, 1), shape));
            OptionalDouble ms = kernel.executeTimed(OpRequest.of(Op.SOFTMAX, Tensor.of(a, shape), Tensor.of(b, shape), -1, 1, false));
            assertTrue(ms.isPresent() && ms.getAsDouble() > 0, "device time of a 64 x 512 softmax: " + ms);
            float[] y = new float[64 * 512];
            b.read(Tensor.of(y, shape));
            float rowSum = 0;
            for (int k = 0; k < 512; k++) {
                rowSum += y[k];
            }
            assertEquals(1, rowSum, 1e-4, "the timed call computed the softmax");
        }
        OptionalDouble empty = kernel.executeTimed(OpRequest.of(Op.SOFTMAX, Tensor.of(new float[0], 0, 5), Tensor.of(new float[0], 0, 5), -1, 1, false));
        assertEquals(OptionalDouble.of(0), empty, "an empty call runs no kernel");
    }

    @Test
    void readOnlySegmentsAreValidInputs() {
        float[] x = random("read-only", 5 * 70, 3);
        float[] expected = new float[x.length];
        kernel.softmax(Tensor.of(x, 5, 70), Tensor.of(expected, 5, 70));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate((long) x.length * Float.BYTES);
            MemorySegment.copy(MemorySegment.ofArray(x), 0, offHeap, 0, offHeap.byteSize());
            for (MemorySegment in : new MemorySegment[] {MemorySegment.ofArray(x).asReadOnly(), offHeap.asReadOnly()}) {
                float[] y = new float[x.length];
                kernel.softmax(Tensor.of(in, DType.FLOAT32, 5, 70), Tensor.of(y, 5, 70));
                assertEquals(Arrays.toString(expected), Arrays.toString(y), "softmax of a read-only " + in);
            }
        }
    }

    // ---- bad input ------------------------------------------------------------------------------

    @Test
    void rejectsBuffersOfAnotherContext() {
        try (OpenClSoftmaxKernel other = new OpenClSoftmaxKernel();
             DeviceBuffer foreign = other.allocate(DType.FLOAT32, 12);
             DeviceBuffer own = kernel.allocate(DType.FLOAT32, 12)) {
            rejected("in", () -> kernel.softmax(Tensor.of(foreign, 3, 4), Tensor.of(own, 3, 4)));
            rejected("out", () -> kernel.softmax(Tensor.of(own, 3, 4), Tensor.of(foreign, 3, 4)));
            rejected("in", () -> kernel.argmax(Tensor.of(foreign, 3, 4), new int[3], -1));
        }
    }

    @Test
    void rejectsBadAllocationsAndTransfers() {
        rejected("dtype", () -> kernel.allocate(null, 4));
        rejected("elements", () -> kernel.allocate(DType.FLOAT32, -1));
        rejected("elements", () -> kernel.allocate(DType.FLOAT32, Long.MAX_VALUE / 2));
        try (DeviceBuffer b = kernel.allocate(DType.FLOAT32, 4);
             DeviceBuffer d = kernel.allocate(DType.FLOAT32, 4)) {
            rejected("src", () -> b.write(Tensor.of(new double[4], 4)));
            rejected("src", () -> b.write(Tensor.of(new float[5], 5)));
            rejected("src", () -> b.write(Tensor.of(d, 4)));
            rejected("dst", () -> b.read(Tensor.of(d, 4)));
            rejected("dst", () -> b.read(Tensor.of(MemorySegment.ofArray(new float[4]).asReadOnly(), DType.FLOAT32, 4)));
        }
    }

    @Test
    void closedBuffersAndKernelsFailLoudly() {
        DeviceBuffer closedBuffer = kernel.allocate(DType.FLOAT32, 4);
        closedBuffer.close();
        closedBuffer.close();
        rejected("in", () -> kernel.softmax(Tensor.of(closedBuffer, 4), Tensor.of(new float[4], 4)));
        assertThrows(IllegalStateException.class, () -> closedBuffer.write(Tensor.of(new float[4], 4)));

        OpenClSoftmaxKernel k = new OpenClSoftmaxKernel();
        DeviceBuffer leftOpen = k.allocate(DType.FLOAT32, 4);
        k.softmax(Tensor.of(new float[4], 4), Tensor.of(new float[4], 4));
        k.close();
        k.close();
        assertEquals(0, k.liveMemObjects(), "close releases staging and buffers the caller left open");
        assertThrows(IllegalStateException.class, () -> k.softmax(Tensor.of(new float[4], 4), Tensor.of(new float[4], 4)));
        assertThrows(IllegalStateException.class, () -> k.allocate(DType.FLOAT32, 4));
        assertThrows(IllegalStateException.class, () -> leftOpen.read(Tensor.of(new float[4], 4)));
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    @Test
    void tenThousandCallsLeaveHeapAndDeviceMemoryFlat() {
        long[] shape = {8, 16};
        float[] x = random("leak", 128, 2);
        float[] y = new float[128];
        int[] idx = new int[8];
        Runnable calls = () -> {
            kernel.softmax(Tensor.of(x, shape), Tensor.of(y, shape));
            kernel.argmax(Tensor.of(x, shape), idx, -1);
            try (DeviceBuffer b = kernel.allocate(DType.FLOAT32, 128)) {
                b.write(Tensor.of(x, shape));
                kernel.logSoftmax(Tensor.of(b, shape), Tensor.of(b, shape));
                b.read(Tensor.of(y, shape));
            }
        };
        for (int i = 0; i < 100; i++) {
            calls.run();
        }
        int memObjects = kernel.liveMemObjects();
        long heap = usedHeapAfterGc();
        for (int i = 0; i < 10_000 / 4; i++) {
            calls.run();
            assertEquals(memObjects, kernel.liveMemObjects(), "live cl_mem objects after call " + i);
        }
        long growth = usedHeapAfterGc() - heap;
        assertTrue(growth < (8L << 20), "heap grew by " + growth + " bytes over 10,000 calls");
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    // ---- errors from the driver -----------------------------------------------------------------

    @Test
    void aBuildFailureCarriesTheBuildLog() {
        SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class, () -> ClPrograms.build(kernel.context(),
                kernel.openClDevice(), "broken.cl", "__kernel void broken(__global float *x) { x[0] = no_such_symbol; }", ""));
        String m = e.getMessage();
        assertTrue(m.contains("clBuildProgram broken.cl") && m.contains("CL_BUILD_PROGRAM_FAILURE"), m);
        assertTrue(m.contains("no_such_symbol"), "the build log names the undeclared identifier: " + m);
    }

    @Test
    void aFailingCallNamesTheCallAndTheError() {
        SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class, () -> Cl.call("clCreateBuffer",
                () -> CL.clCreateBuffer(kernel.context(), CL.CL_MEM_READ_WRITE, 0, null, null)));
        assertTrue(e.getMessage().contains("clCreateBuffer failed with CL_INVALID_BUFFER_SIZE"), e.getMessage());
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void check(DType dtype, Op op, long[] shape, int axis, Strategy expected) {
        int a = axis < 0 ? shape.length + axis : axis;
        long inner = 1;
        for (int i = a + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        long n = op.isElementwise() ? Arrays.stream(shape).reduce(1, Math::multiplyExact) : shape[a];
        assertEquals(expected, kernel.strategyFor(op, dtype, n, op.isElementwise() ? 1 : inner),
                op + " " + Arrays.toString(shape) + " axis " + axis);
        int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        float[] xf = random(op + " " + Arrays.toString(shape), size, 5);
        double[] x = new double[size];
        for (int i = 0; i < size; i++) {
            x[i] = xf[i];
        }
        double[] ref = run(ORACLE, op, DType.FLOAT64, shape, axis, x);
        double[] y = run(kernel, op, dtype, shape, axis, x);
        Tolerance tol = kernel.tolerance(op, dtype);
        for (int i = 0; i < ref.length; i++) {
            if (!tol.accepts(y[i], ref[i])) {
                throw new AssertionError(op + " " + dtype + " " + Arrays.toString(shape) + " on " + expected + ": element "
                        + i + " = " + y[i] + ", reference " + ref[i] + "; rerun with -D" + TestSeed.PROPERTY + "="
                        + TestSeed.value());
            }
        }
    }

    private static double[] run(SoftmaxKernel k, Op op, DType dtype, long[] shape, int axis, double[] x) {
        int size = x.length;
        int reduced = Math.toIntExact(size / shape[axis < 0 ? shape.length + axis : axis]);
        long[] reducedShape = shape.clone();
        reducedShape[axis < 0 ? shape.length + axis : axis] = 1;
        Tensor in = tensor(dtype, shape, x);
        Tensor out = tensor(dtype, op.isReducing() ? reducedShape : shape, new double[op.isReducing() ? reduced : size]);
        switch (op) {
            case SOFTMAX -> k.softmax(in, out, axis, 0.7);
            case LOG_SOFTMAX -> k.logSoftmax(in, out, axis, 1.9);
            case LOGSUMEXP -> k.logSumExp(in, out, axis, true);
            case SIGMOID -> k.sigmoid(in, out);
            case LOG_SIGMOID -> k.logSigmoid(in, out);
            case HARDMAX -> k.hardmax(in, out, axis);
            case ARGMAX -> {
                int[] idx = new int[reduced];
                k.argmax(in, idx, axis);
                return Arrays.stream(idx).asDoubleStream().toArray();
            }
        }
        double[] y = new double[Math.toIntExact(out.size())];
        for (int i = 0; i < y.length; i++) {
            y[i] = out.get(i);
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

    private static float[] random(String label, int n, double sd) {
        SplittableRandom rnd = TestSeed.random(label);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (sd * rnd.nextGaussian());
        }
        return x;
    }

    private static void assertClose(Tolerance tol, float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (!tol.accepts(actual[i], expected[i])) {
                throw new AssertionError(what + ": element " + i + " = " + actual[i] + ", expected " + expected[i]
                        + " within " + tol + "; rerun with -D" + TestSeed.PROPERTY + "=" + TestSeed.value());
            }
        }
    }

    private static void rejected(String argument, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(argument + " ") || e.getMessage().contains(" " + argument + " "),
                "the message names '" + argument + "': " + e.getMessage());
    }

    private void requireDtype(DType dtype) {
        org.junit.jupiter.api.Assumptions.assumeTrue(dtype == DType.FLOAT32 || kernel.supportsFp64(),
                kernel.device() + " lacks cl_khr_fp64");
    }
}
