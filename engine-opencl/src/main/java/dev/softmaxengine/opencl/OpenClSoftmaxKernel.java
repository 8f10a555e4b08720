package dev.softmaxengine.opencl;

import dev.softmaxengine.api.spi.StagedKernel;
import dev.softmaxengine.api.ArrayTensor;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceTensor;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.SoftmaxEngineException;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * The softmax family on one OpenCL device (a GPU, or a CPU through PoCL), in fp32 and, where the
 * device reports {@code cl_khr_fp64}, fp64. The kernels come from the {@code kernels} artifact's
 * {@code .cl} files, one per {@link Strategy}, chosen by shape.
 *
 * <p>It owns one context and one in-order queue, the programs built in that context (once each,
 * on first use), two staging buffers that host operands are copied through once per call (grown
 * when a call needs more, never allocated per call), and every buffer it allocated;
 * {@link #close()} releases all of them. {@link StagedKernel} runs each call; calls are serialized
 * on its lock: a kernel object's arguments and the staging buffers are shared state.
 */
public final class OpenClSoftmaxKernel extends StagedKernel<cl_mem> {
    /** The backend name, {@code opencl}. */
    public static final String NAME = "opencl";

    /**
     * Work-group size of every kernel: a multiple of every GPU's warp or wavefront, and fixed so
     * PoCL, which specializes a kernel per local size, compiles each kernel once.
     */
    static final int GROUP_SIZE = 256;
    /** Local memory the reductions take besides a staged row: a value and an index per work-item. */
    private static final long REDUCTION_SCRATCH_BYTES = GROUP_SIZE * (long) (Double.BYTES + Integer.BYTES);
    /** Largest single mapping of a cl_mem for a segment copy: a GPU driver backs it with pinned host memory. */
    private static final long MAP_CHUNK_BYTES = 64L << 20;
    /** {@link #MAP_CHUNK_BYTES}, smaller in tests so that a multi-mapping copy needs no 64 MiB. */
    long mapChunkBytes = MAP_CHUNK_BYTES;
    /** Bounce buffer for read-only heap segments, which JOCL can address neither as array nor as direct buffer. */
    private static final long BOUNCE_BYTES = 16L << 20;

    // Bounds against the fp64 oracle (which sums with Neumaier compensation, so its own error is one
    // rounding), with u = 2^-24 (fp32) or 2^-53 (fp64). exp, log and log1p are within 3 ulp (6u)
    // and fp32 division within 2.5 ulp in OpenCL's full profile; the row sum is within about 50u.
    // float32: z = (x - max) / T rounds to |z| u absolute, relative error in exp(z) with |z| <= 87
    // before exp(z) is subnormal, where atol = the smallest normal takes over (and admits devices
    // that flush subnormals): softmax (61 + 3|z|) u, stated as 2e-5. float64 inputs subtract as
    // exactly as the oracle's, which leaves exp, the sum and 1/T: stated as 4e-15 (36u). Log-softmax:
    // 16u relative plus 64u absolute where y is near 0; logsumexp, whose value is max + log(sum),
    // 4u; float64 log-softmax 8u / 32u, logsumexp 4u / 16u. Sigmoid: 8u. The parity suite prints the
    // fraction of each bound it measures (on PoCL 0.55 for fp32 softmax, 0.15-0.4 for the others)
    // and fails a bound more than 8x looser than measured.
    private static final double U32 = 0x1p-24;
    private static final double U64 = 0x1p-53;
    private static final Tolerance SOFTMAX_F32 = new Tolerance(2e-5, 0x1p-126);
    private static final Tolerance LOG_SOFTMAX_F32 = new Tolerance(16 * U32, 64 * U32);
    private static final Tolerance LOGSUMEXP_F32 = new Tolerance(4 * U32, 64 * U32);
    private static final Tolerance SIGMOID_F32 = new Tolerance(8 * U32, 0x1p-126);
    private static final Tolerance SOFTMAX_F64 = new Tolerance(4e-15, 0x1p-1022);
    private static final Tolerance LOG_SOFTMAX_F64 = new Tolerance(8 * U64, 32 * U64);
    private static final Tolerance LOGSUMEXP_F64 = new Tolerance(4 * U64, 16 * U64);
    private static final Tolerance SIGMOID_F64 = new Tolerance(8 * U64, 0x1p-1022);
    private static final Tolerance EXACT = new Tolerance(0, 0);
    // Sample's log-probabilities: z - log(mass) in fp64, z as the oracle's and the mass within a few
    // ulp (exp to 3 ulp), so 1e-14 absolute for |log(mass)| <= 22; float32 adds its rounding.
    private static final Tolerance SAMPLE_F32 = new Tolerance(2 * U32, 1e-14);
    private static final Tolerance SAMPLE_F64 = new Tolerance(8 * U64, 1e-14);

    private final OpenClDevice device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final ClPrograms programs;
    private final Staging stageIn = new Staging();
    private final Staging stageOut = new Staging();
    private final Staging stageSecond = new Staging();
    private int liveMemObjects;

    /** A kernel on the best usable device (a GPU first), as {@code auto} would pick. */
    public OpenClSoftmaxKernel() {
        this(bestDevice());
    }

    OpenClSoftmaxKernel(OpenClDevice device) {
        this.device = device;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        this.context = Cl.call("clCreateContext", () -> CL.clCreateContext(props, 1,
                new cl_device_id[] {device.id()}, null, null, null));
        try {
            // Profiling on, for executeTimed; its cost is a timestamp per command.
            this.queue = Cl.call("clCreateCommandQueue", () -> CL.clCreateCommandQueue(context, device.id(),
                    CL.CL_QUEUE_PROFILING_ENABLE, null));
        } catch (SoftmaxEngineException e) {
            CL.clReleaseContext(context);
            throw e;
        }
        this.programs = new ClPrograms(context, device, GROUP_SIZE);
    }

    private static OpenClDevice bestDevice() {
        OpenClPlatforms.Discovery d = OpenClPlatforms.discovery();
        if (d.failure() != null) {
            throw new IllegalStateException("opencl: " + d.failure());
        }
        return d.best().orElseThrow(() -> new IllegalStateException(
                "opencl: no usable OpenCL device; found " + (d.lines().isEmpty() ? "none" : String.join("; ", d.lines()))));
    }

    @Override
    public String backend() {
        return NAME;
    }

    @Override
    public String device() {
        return String.format(Locale.ROOT, "OpenCL %s (%s, %s, %d compute units, fp64 %s)", device.name(),
                device.type(), device.platformName(), device.computeUnits(), device.fp64() ? "yes" : "no");
    }

    /** Whether this device computes in fp64 ({@code cl_khr_fp64}). */
    public boolean supportsFp64() {
        return device.fp64();
    }

    @Override
    public Tolerance tolerance(Op op, DType dtype) {
        if (dtype.isHalf()) {
            // Computed in float (-D REAL=float), then rounded once more to the 16-bit dtype.
            return tolerance(op, DType.FLOAT32).roundedTo(dtype);
        }
        boolean f32 = dtype == DType.FLOAT32;
        return switch (op) {
            case SOFTMAX -> f32 ? SOFTMAX_F32 : SOFTMAX_F64;
            case LOG_SOFTMAX -> f32 ? LOG_SOFTMAX_F32 : LOG_SOFTMAX_F64;
            case LOGSUMEXP -> f32 ? LOGSUMEXP_F32 : LOGSUMEXP_F64;
            case SIGMOID, LOG_SIGMOID -> f32 ? SIGMOID_F32 : SIGMOID_F64;
            // Comparisons of the same values as the oracle's, so the index is exact.
            case HARDMAX, ARGMAX, TOP_K -> EXACT;
            case SAMPLE -> f32 ? SAMPLE_F32 : SAMPLE_F64;
        };
    }

    /** The strategy a request of this shape runs with on this device. */
    Strategy strategyFor(Op op, DType dtype, long n, long inner) {
        return Strategy.choose(op, n, inner, localRowElements(dtype));
    }

    /** The longest row GROUP_LOCAL stages: the budget, or less on a device with little local memory. */
    long localRowElements(DType dtype) {
        long budget = Math.min(Strategy.LOCAL_ROW_BUDGET_BYTES, device.localMemBytes() - REDUCTION_SCRATCH_BYTES);
        // The row is staged as REAL: float for the 16-bit dtypes.
        return Math.max(0, budget) / dtype.computeType().byteSize();
    }

    @Override
    protected cl_mem allocateDevice(long bytes) {
        return createMem(bytes);
    }

    @Override
    protected void freeDevice(cl_mem m) {
        // The queue is in order and every call finishes before it returns: nothing still uses m.
        releaseMem(m);
    }

    @Override
    protected void copy(cl_mem mem, Tensor host, boolean toDevice) {
        long bytes = host.size() * host.dtype().byteSize();
        switch (host) {
            case ArrayTensor a -> transfer(toDevice, mem, 0, bytes, pointer(a));
            case SegmentTensor s -> segment(toDevice, mem, s.segment());
            case DeviceTensor d -> throw new IllegalStateException("not host memory: " + host);
        }
    }

    @Override
    protected cl_mem scratch(boolean input, long bytes) {
        return (input ? stageIn : stageOut).ensure(bytes);
    }

    @Override
    protected cl_mem secondScratch(long bytes) {
        return stageSecond.ensure(bytes);
    }

    /** The kernel's own time from its profiling event: host staging is not counted. */
    @Override
    protected OptionalDouble launch(OpRequest r, cl_mem in, cl_mem out, cl_mem second, boolean timed) {
        if (r.op() == Op.SAMPLE && !device.fp64()) {
            throw new IllegalArgumentException("sample computes its probabilities in fp64, which '" + device.name()
                    + "' lacks (no cl_khr_fp64)");
        }
        if (!timed) {
            launch(r, in, out, second, (cl_event) null);
            return OptionalDouble.empty();
        }
        cl_event event = new cl_event();
        try {
            launch(r, in, out, second, event);
            Cl.run("clWaitForEvents", () -> CL.clWaitForEvents(1, new cl_event[] {event}));
            return OptionalDouble.of(kernelMillis(event));
        } finally {
            if (event.getNativePointer() != 0) {
                CL.clReleaseEvent(event);
            }
        }
    }

    /** The copy's time from its profiling event, as a launch is timed. */
    @Override
    protected double copyDevice(cl_mem src, cl_mem dst, long bytes) {
        cl_event event = new cl_event();
        try {
            Cl.run("clEnqueueCopyBuffer", () -> CL.clEnqueueCopyBuffer(queue, src, dst, 0, 0, bytes, 0, null, event));
            Cl.run("clWaitForEvents", () -> CL.clWaitForEvents(1, new cl_event[] {event}));
            return kernelMillis(event);
        } finally {
            if (event.getNativePointer() != 0) {
                CL.clReleaseEvent(event);
            }
        }
    }

    @Override
    protected void finish() {
        Cl.run("clFinish", () -> CL.clFinish(queue));
    }

    private static double kernelMillis(cl_event event) {
        long[] start = new long[1];
        long[] end = new long[1];
        Cl.run("clGetEventProfilingInfo", () -> CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_START,
                Sizeof.cl_ulong, Pointer.to(start), null));
        Cl.run("clGetEventProfilingInfo", () -> CL.clGetEventProfilingInfo(event, CL.CL_PROFILING_COMMAND_END,
                Sizeof.cl_ulong, Pointer.to(end), null));
        return (end[0] - start[0]) / 1e6;
    }

    private void launch(OpRequest r, cl_mem in, cl_mem out, cl_mem second, cl_event event) {
        Op op = r.op();
        DType dtype = r.dtype();
        long outer = r.outer();
        long n = r.n();
        long inner = r.inner();
        Strategy strategy = strategyFor(op, dtype, n, inner);
        ClPrograms.ClKernel k = programs.kernel(strategy, dtype, op);
        int wg = k.workGroupSize();
        Args a = new Args(k.kernel(), dtype).mem(in).mem(out);
        double twoOverT = 2.0 / r.temperature();
        boolean softmaxFamily = op == Op.SOFTMAX || op == Op.LOG_SOFTMAX || op == Op.LOGSUMEXP;
        int mode = switch (op) {
            case LOG_SOFTMAX -> Strategy.MODE_LOG_SOFTMAX;
            case LOGSUMEXP -> Strategy.MODE_LOGSUMEXP;
            default -> Strategy.MODE_SOFTMAX;
        };
        // Local memory holds REAL, the compute dtype.
        long elem = dtype.computeType().byteSize();
        long global = switch (strategy) {
            case ELEMENTWISE -> {
                a.i64(n).i32(op == Op.LOG_SIGMOID ? 1 : 0);
                yield roundUp(n, wg);
            }
            case SELECTION -> {
                if (op == Op.TOP_K) {
                    a.mem(second).i64(outer).i64(n).i64(inner).i64(r.k());
                    yield roundUp(outer * inner, wg);
                }
                // Without log-probabilities the kernel writes none: the input stands in for the buffer.
                Sampling s = r.sampling();
                a.mem(second != null ? second : in).i32(second != null ? 1 : 0).i64(outer).i64(n)
                        .f64(s.temperature()).i64(s.topK()).f64(s.topP()).f64(s.minP()).i64(s.seed());
                yield roundUp(outer, wg);
            }
            case STRIDED -> {
                a.i64(outer).i64(n).i64(inner);
                if (softmaxFamily) {
                    a.real(twoOverT).i32(mode);
                }
                yield roundUp(outer * inner, wg);
            }
            case LANES_PER_ROW -> {
                int lanes = Strategy.lanesFor(n);
                a.i64(outer).i32((int) n).i32(lanes);
                if (softmaxFamily) {
                    a.real(twoOverT).i32(mode).local(wg * elem);
                } else {
                    a.local(wg * elem).local(wg * (long) Integer.BYTES);
                }
                yield roundUp(outer * lanes, wg);
            }
            case GROUP_LOCAL -> {
                a.i32((int) n).real(twoOverT).i32(mode).local(n * elem).local(wg * elem);
                yield outer * wg;
            }
            case ONLINE_TWO_PASS -> {
                a.i64(n);
                if (softmaxFamily) {
                    a.real(twoOverT).i32(mode).local(wg * elem);
                } else {
                    a.local(wg * elem).local(wg * (long) Integer.BYTES);
                }
                yield outer * wg;
            }
        };
        Cl.run("clEnqueueNDRangeKernel " + strategy.kernelName(op), () -> CL.clEnqueueNDRangeKernel(queue,
                k.kernel(), 1, null, new long[] {global}, new long[] {wg}, 0, null, event));
    }

    private static long roundUp(long x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** Sets a kernel's arguments in order. */
    private static final class Args {
        private final cl_kernel kernel;
        private final DType dtype;
        private int index;

        Args(cl_kernel kernel, DType dtype) {
            this.kernel = kernel;
            this.dtype = dtype;
        }

        Args mem(cl_mem m) {
            return set(Sizeof.cl_mem, Pointer.to(m));
        }

        Args i32(int v) {
            return set(Sizeof.cl_int, Pointer.to(new int[] {v}));
        }

        Args f64(double v) {
            return set(Sizeof.cl_double, Pointer.to(new double[] {v}));
        }

        Args i64(long v) {
            return set(Sizeof.cl_long, Pointer.to(new long[] {v}));
        }

        /** A REAL argument: float or double as the program was built. */
        Args real(double v) {
            return dtype.computeType() == DType.FLOAT32
                    ? set(Sizeof.cl_float, Pointer.to(new float[] {(float) v}))
                    : set(Sizeof.cl_double, Pointer.to(new double[] {v}));
        }

        Args local(long bytes) {
            return set(bytes, null);
        }

        private Args set(long size, Pointer value) {
            int i = index++;
            Cl.run("clSetKernelArg " + i, () -> CL.clSetKernelArg(kernel, i, size, value));
            return this;
        }
    }

    // ---- host transfers -------------------------------------------------------------------------

    private static Pointer pointer(ArrayTensor a) {
        return switch (a.dtype()) {
            case FLOAT32 -> Pointer.to(a.floats());
            case FLOAT64 -> Pointer.to(a.doubles());
            case INT32 -> Pointer.to(a.ints());
            case BFLOAT16, FLOAT16 -> Pointer.to(a.shorts());
        };
    }

    private void segment(boolean toDevice, cl_mem mem, MemorySegment seg) {
        long bytes = seg.byteSize();
        if (bytes == 0) {
            return;
        }
        if (seg.isNative()) {
            // Never hand a caller's native segment to JOCL as an address: native code bypasses the
            // segment's liveness and confinement checks, so a closed or concurrently closed arena
            // became a use-after-free (SIGSEGV in the driver, or freed memory silently overwritten).
            // Instead map the cl_mem and let MemorySegment.copy, which holds the segment's scope
            // for the copy, move the bytes; on a CPU device the mapping is the buffer itself.
            if (!toDevice && bytes > mapChunkBytes) {
                // Several mappings: a device lost between two would leave the first part written.
                // The whole result comes to host memory of our own first, then to the caller's.
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment whole = arena.allocate(bytes, 64);
                    mapCopy(false, mem, whole, bytes);
                    MemorySegment.copy(whole, 0, seg, 0, bytes);
                }
                return;
            }
            mapCopy(toDevice, mem, seg, bytes);
        } else if (seg.heapBase().isPresent()) {
            // For a heap segment, address() is the byte offset into its array.
            transfer(toDevice, mem, 0, bytes, arrayPointer(seg.heapBase().get()).withByteOffset(seg.address()));
        } else {
            // A read-only heap segment hides its array; only uploads reach here (outputs are writable).
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment bounce = arena.allocate(Math.min(bytes, BOUNCE_BYTES));
                for (long off = 0; off < bytes; off += bounce.byteSize()) {
                    long len = Math.min(bounce.byteSize(), bytes - off);
                    MemorySegment.copy(seg, off, bounce, 0, len);
                    transfer(true, mem, off, len, Pointer.to(bounce.asSlice(0, len).asByteBuffer()));
                }
            }
        }
    }

    /** Copies between {@code seg} and {@code mem} through mappings of at most {@link #mapChunkBytes} each. */
    private void mapCopy(boolean toDevice, cl_mem mem, MemorySegment seg, long bytes) {
        for (long off = 0; off < bytes; off += mapChunkBytes) {
            long len = Math.min(mapChunkBytes, bytes - off);
            long at = off;
            ByteBuffer mapped = Cl.call("clEnqueueMapBuffer", () -> CL.clEnqueueMapBuffer(queue, mem, true,
                    toDevice ? CL.CL_MAP_WRITE : CL.CL_MAP_READ, at, len, 0, null, null, null));
            try {
                MemorySegment view = MemorySegment.ofBuffer(mapped);
                if (toDevice) {
                    MemorySegment.copy(seg, at, view, 0, len);
                } else {
                    MemorySegment.copy(view, 0, seg, at, len);
                }
            } finally {
                Cl.run("clEnqueueUnmapMemObject", () -> CL.clEnqueueUnmapMemObject(queue, mem, mapped, 0, null,
                        null));
            }
        }
    }

    private static Pointer arrayPointer(Object array) {
        return switch (array) {
            case byte[] a -> Pointer.to(a);
            case short[] a -> Pointer.to(a);
            case char[] a -> Pointer.to(a);
            case int[] a -> Pointer.to(a);
            case float[] a -> Pointer.to(a);
            case long[] a -> Pointer.to(a);
            case double[] a -> Pointer.to(a);
            default -> throw new IllegalArgumentException("unsupported heap segment over " + array.getClass());
        };
    }

    private void transfer(boolean toDevice, cl_mem mem, long offset, long bytes, Pointer host) {
        if (toDevice) {
            Cl.run("clEnqueueWriteBuffer", () -> CL.clEnqueueWriteBuffer(queue, mem, CL.CL_TRUE, offset, bytes, host,
                    0, null, null));
        } else {
            Cl.run("clEnqueueReadBuffer", () -> CL.clEnqueueReadBuffer(queue, mem, CL.CL_TRUE, offset, bytes, host,
                    0, null, null));
        }
    }

    // ---- memory objects -------------------------------------------------------------------------

    /** A cl_mem that grows to the largest size asked of it and is reused between calls. */
    private final class Staging {
        private cl_mem mem;
        private long bytes;

        cl_mem ensure(long need) {
            if (mem == null || bytes < need) {
                release();
                mem = createMem(need);
                bytes = need;
            }
            return mem;
        }

        void release() {
            if (mem != null) {
                releaseMem(mem);
                mem = null;
                bytes = 0;
            }
        }
    }

    private cl_mem createMem(long bytes) {
        cl_mem m = Cl.call("clCreateBuffer", () -> CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, bytes, null, null));
        liveMemObjects++;
        return m;
    }

    private void releaseMem(cl_mem m) {
        liveMemObjects--;
        Cl.run("clReleaseMemObject", () -> CL.clReleaseMemObject(m));
    }

    /**
     * The cl_mem objects this kernel holds now, for leak tests.
     *
     * @return staging plus open buffers
     */
    public int liveMemObjects() {
        lock.lock();
        try {
            return liveMemObjects;
        } finally {
            lock.unlock();
        }
    }

    /** Programs built in this kernel's context so far. */
    int programCount() {
        lock.lock();
        try {
            return programs.programCount();
        } finally {
            lock.unlock();
        }
    }

    OpenClDevice openClDevice() {
        return device;
    }

    cl_context context() {
        return context;
    }

    // ---- checks ---------------------------------------------------------------------------------

    @Override
    protected void requireDtype(String name, DType dtype) {
        if (dtype == DType.FLOAT64 && !device.fp64()) {
            throw new IllegalArgumentException(name + " is FLOAT64, but device '" + device.name()
                    + "' lacks cl_khr_fp64; use FLOAT32");
        }
    }

    /** A host operand is staged in one allocation: it must fit the device's largest. */
    @Override
    protected void checkStageable(String name, Tensor t) {
        checkFits(name, t.size(), t.dtype(), t.size() * t.dtype().byteSize());
    }

    @Override
    protected void checkAllocatable(DType dtype, long elements, long bytes) {
        checkFits("elements", elements, dtype, bytes);
    }

    private void checkFits(String name, long elements, DType dtype, long bytes) {
        if (bytes > device.maxAllocBytes()) {
            throw new IllegalArgumentException(name + " = " + elements + " elements of " + dtype + " take " + bytes
                    + " bytes, more than the " + device.maxAllocBytes() + " one allocation may have on '"
                    + device.name() + "'");
        }
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    /** Staging, kernels, programs, the queue and the context; the buffers went before. */
    @Override
    protected void releaseDevice(List<RuntimeException> failures) {
        for (Staging st : List.of(stageIn, stageOut, stageSecond)) {
            try {
                st.release();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        SoftmaxEngineException first = null;
        try {
            programs.close();
        } catch (SoftmaxEngineException e) {
            first = e;
        }
        first = ClPrograms.release(first, "clReleaseCommandQueue", () -> CL.clReleaseCommandQueue(queue));
        first = ClPrograms.release(first, "clReleaseContext", () -> CL.clReleaseContext(context));
        if (first != null) {
            failures.add(first);
        }
    }

    @Override
    public String toString() {
        return "OpenClSoftmaxKernel[" + device() + "]";
    }
}
