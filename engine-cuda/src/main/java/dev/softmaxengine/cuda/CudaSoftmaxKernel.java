package dev.softmaxengine.cuda;

import static jcuda.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static jcuda.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.spi.StagedKernel;
import dev.softmaxengine.api.SoftmaxEngineException;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * The softmax family on an NVIDIA GPU: PTX kernels from the {@code kernels} module (one per
 * {@link Strategy}), loaded with {@code cuModuleLoadData} and JIT-compiled by the driver for the
 * GPU at hand, launched as {@link LaunchPlan} decides.
 *
 * <p>Owns the device's primary context (retained), one stream, its modules, pinned staging and
 * device scratch for host operands, and every {@link #allocate} buffer still open; {@link #close()}
 * releases all of it. Host arrays and segments are staged through pinned memory and the call
 * returns when the result is back on the host; calls whose output is a device buffer of this kernel
 * return once queued, and reading a buffer waits for the work before it. Calls from several threads
 * are safe and serialize on the kernel's lock and stream.
 */
public final class CudaSoftmaxKernel extends StagedKernel<CUdeviceptr> {
    /** The backend name, {@code cuda}. */
    public static final String NAME = "cuda";
    private static final String PTX_RESOURCES = "dev/softmaxengine/kernels/cuda/";

    // Error bounds against the fp64 oracle (Neumaier-compensated sums: its own error is one
    // rounding), derived from expf <= 2 ulp and exp/log/log1p <= 1 ulp (CUDA Programming Guide) and
    // row sums within (32 + 5) u (warp kernels, fp32 sums) or a few u (fp64 sums), u = 2^-24 or 2^-53.
    // float32: z = (x - max) / T carries |z| u, relative in exp(z), |z| <= 87 while exp(z) is normal:
    // softmax (50 + 3|z|) u, stated as 2e-5 with atol the smallest normal. float64 inputs subtract as
    // exactly as the oracle's: 4e-15 (36u), as for OpenCL, whose same-algorithm kernels measure 0.15
    // of it. Log-softmax and logsumexp: 16u relative, 64u absolute near 0. Sigmoid: 16u.
    // KernelEmulationTest checks the kernels' host emulation against exactly this table; a GPU run
    // of the parity suite also holds each bound to within 8x of the error it measures.
    private static final double U32 = 0x1p-24;
    private static final double U64 = 0x1p-53;
    private static final Tolerance F32_SOFTMAX = new Tolerance(2e-5, 0x1p-126);
    private static final Tolerance F32_LOG = new Tolerance(16 * U32, 64 * U32);
    private static final Tolerance F32_SIGMOID = new Tolerance(16 * U32, 0x1p-126);
    private static final Tolerance F64_SOFTMAX = new Tolerance(4e-15, 0x1p-1022);
    private static final Tolerance F64_LOG = new Tolerance(16 * U64, 64 * U64);
    private static final Tolerance F64_SIGMOID = new Tolerance(16 * U64, 0x1p-1022);
    private static final Tolerance EXACT = new Tolerance(0, 0);
    // Sample's log-probabilities: z - log(mass) in fp64, z as the oracle's and the mass within a
    // few ulp, so 1e-14 absolute for |log(mass)| <= 22; float32 adds its rounding.
    private static final Tolerance F32_SAMPLE = new Tolerance(2 * U32, 1e-14);
    private static final Tolerance F64_SAMPLE = new Tolerance(8 * U64, 1e-14);

    private static final CUdeviceptr NULL = new CUdeviceptr();

    private final CudaDriver.Device device;
    private final CUdevice handle;
    private final CUcontext context;
    private final CUstream stream;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Set<String> optedIn = new HashSet<>();
    private final PinnedStaging staging;
    private final DeviceScratch inScratch;
    private final DeviceScratch outScratch;
    private final DeviceScratch workspace;
    private final DeviceScratch secondScratch;

    /** A kernel on the first GPU of compute capability >= 7.5. */
    public CudaSoftmaxKernel() {
        this(firstUsable());
    }

    /** A kernel on the GPU with driver ordinal {@code ordinal}. */
    public CudaSoftmaxKernel(int ordinal) {
        if (ordinal < 0) {
            throw new IllegalArgumentException("ordinal must be >= 0, was " + ordinal);
        }
        this.device = CudaDriver.device(ordinal);
        if (device.computeCapability() < CudaDriver.MIN_COMPUTE_CAPABILITY) {
            throw new IllegalStateException("cuda: " + device.name() + " is sm_" + device.computeCapability()
                    + "; the kernels need sm_" + CudaDriver.MIN_COMPUTE_CAPABILITY + " or newer");
        }
        this.handle = CudaDriver.handle(ordinal);
        CUcontext ctx = new CUcontext();
        CudaDriver.check("cuDevicePrimaryCtxRetain", () -> JCudaDriver.cuDevicePrimaryCtxRetain(ctx, handle));
        this.context = ctx;
        CUstream s = new CUstream();
        try {
            makeCurrent();
            CudaDriver.check("cuStreamCreate", () -> JCudaDriver.cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING));
        } catch (RuntimeException e) {
            JCudaDriver.cuDevicePrimaryCtxRelease(handle);
            throw e;
        }
        this.stream = s;
        this.staging = new PinnedStaging(s);
        this.inScratch = new DeviceScratch("staged input", s);
        this.outScratch = new DeviceScratch("staged output", s);
        this.workspace = new DeviceScratch("split workspace", s);
        this.secondScratch = new DeviceScratch("staged second output", s);
    }

    private static int firstUsable() {
        List<CudaDriver.Device> devices = CudaDriver.devices();
        if (devices.isEmpty()) {
            throw new IllegalStateException("cuda: no GPU of compute capability >= 7.5");
        }
        return devices.getFirst().ordinal();
    }

    @Override
    public String backend() {
        return NAME;
    }

    @Override
    public String device() {
        return device.describe();
    }

    /** The limits the launch planner works with on this GPU. */
    public DeviceLimits limits() {
        return device.limits();
    }

    @Override
    public Tolerance tolerance(Op op, DType dtype) {
        return bound(op, dtype);
    }

    /** The bounds, without a GPU: KernelEmulationTest checks the kernels' host emulation against them. */
    static Tolerance bound(Op op, DType dtype) {
        if (dtype.isHalf()) {
            // __nv_bfloat16 / __half are computed in float, then rounded once more (__float2*_rn).
            return bound(op, DType.FLOAT32).roundedTo(dtype);
        }
        boolean f64 = dtype == DType.FLOAT64;
        return switch (op) {
            case SOFTMAX -> f64 ? F64_SOFTMAX : F32_SOFTMAX;
            case LOG_SOFTMAX, LOGSUMEXP -> f64 ? F64_LOG : F32_LOG;
            case SIGMOID, LOG_SIGMOID -> f64 ? F64_SIGMOID : F32_SIGMOID;
            case HARDMAX, ARGMAX, TOP_K -> EXACT;
            case SAMPLE -> f64 ? F64_SAMPLE : F32_SAMPLE;
        };
    }

    @Override
    protected CUdeviceptr allocateDevice(long bytes) {
        makeCurrent();
        CUdeviceptr p = new CUdeviceptr();
        CudaDriver.check("cuMemAlloc(" + bytes + " bytes)", () -> JCudaDriver.cuMemAlloc(p, bytes));
        return p;
    }

    @Override
    protected void freeDevice(CUdeviceptr p) {
        makeCurrent();
        // Kernels queued on the stream may still use the memory.
        CudaDriver.check("cuStreamSynchronize", () -> JCudaDriver.cuStreamSynchronize(stream));
        CudaDriver.check("cuMemFree", () -> JCudaDriver.cuMemFree(p));
    }

    @Override
    protected void copy(CUdeviceptr p, Tensor host, boolean toDevice) {
        makeCurrent();
        if (toDevice) {
            staging.upload(host.asHostSegment(), p);
        } else {
            staging.download(p, host.asHostSegment());
        }
    }

    @Override
    protected CUdeviceptr scratch(boolean input, long bytes) {
        return (input ? inScratch : outScratch).ensure(bytes);
    }

    @Override
    protected CUdeviceptr secondScratch(long bytes) {
        return secondScratch.ensure(bytes);
    }

    @Override
    protected OptionalDouble launch(OpRequest r, CUdeviceptr in, CUdeviceptr out, CUdeviceptr second, boolean timed) {
        LaunchPlan plan = LaunchPlan.of(r.op(), r.dtype(), r.outer(), r.n(), r.inner(), device.limits());
        makeCurrent();
        // Argmax and sample write their indices through the kernels' index parameter, the others
        // through out; top-k's indices and sample's log-probabilities are the second output.
        boolean indexOut = r.op() == Op.ARGMAX || r.op() == Op.SAMPLE;
        CUdeviceptr values = indexOut ? (second != null ? second : NULL) : out;
        CUdeviceptr indices = indexOut ? out : second != null ? second : NULL;
        CUdeviceptr ws = plan.workspaceBytes() > 0 ? workspace.ensure(plan.workspaceBytes()) : NULL;
        Runnable launches = () -> {
            for (LaunchPlan.Launch launch : plan.launches()) {
                launch(plan.strategy(), launch, parameters(plan, launch, r, in, values, indices, ws));
            }
        };
        if (!timed) {
            launches.run();
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(streamMillis(launches));
    }

    /** The copy's time between two events on this kernel's stream, as a launch is timed. */
    @Override
    protected double copyDevice(CUdeviceptr src, CUdeviceptr dst, long bytes) {
        return streamMillis(() -> CudaDriver.check("cuMemcpyDtoDAsync",
                () -> JCudaDriver.cuMemcpyDtoDAsync(dst, src, bytes, stream)));
    }

    @Override
    protected void finish() {
        makeCurrent();
        CudaDriver.check("cuStreamSynchronize", () -> JCudaDriver.cuStreamSynchronize(stream));
    }

    /** One kernel parameter: its PTX type ({@code .u32}, {@code .u64}, {@code .f32}, {@code .f64}) and value. */
    record Param(String ptxType, Pointer value) {
        static Param u32(int v) {
            return new Param(".u32", Pointer.to(new int[] {v}));
        }

        static Param u64(long v) {
            return new Param(".u64", Pointer.to(new long[] {v}));
        }

        static Param f64(double v) {
            return new Param(".f64", Pointer.to(new double[] {v}));
        }

        static Param pointer(CUdeviceptr p) {
            return new Param(".u64", Pointer.to(p));
        }

        static Param real(DType dtype, double v) {
            return dtype.computeType() == DType.FLOAT32
                    ? new Param(".f32", Pointer.to(new float[] {(float) v}))
                    : new Param(".f64", Pointer.to(new double[] {v}));
        }
    }

    /** The parameters of one launch, in the order of its {@code extern "C"} signature in kernels/src/main/cuda. */
    static List<Param> parameters(LaunchPlan plan, LaunchPlan.Launch launch, OpRequest r, CUdeviceptr in,
                                  CUdeviceptr out, CUdeviceptr indices, CUdeviceptr ws) {
        Op op = r.op();
        // Logsumexp is defined at temperature 1, and hardmax / argmax do not scale.
        double invT = op == Op.SOFTMAX || op == Op.LOG_SOFTMAX ? 1.0 / r.temperature() : 1.0;
        Param t = Param.real(r.dtype(), invT);
        Param pIn = Param.pointer(in);
        Param pOut = Param.pointer(out);
        Param pIdx = Param.pointer(indices);
        Param rows = Param.u64(r.outer());
        Param n = Param.u64(r.n());
        return switch (plan.strategy()) {
            case ELEMENTWISE -> List.of(Param.u32(op == Op.LOG_SIGMOID ? 1 : 0), pIn, pOut, n);
            // The planner sends only rows of int length (<= 1024, or within shared memory) here.
            case WARP_PER_ROW -> List.of(Param.u32(opCode(op)), pIn, pOut, pIdx, rows, Param.u32((int) r.n()), t);
            case BLOCK_SMEM -> List.of(Param.u32(opCode(op)), pIn, pOut, rows, Param.u32((int) r.n()), t);
            case ONLINE_BLOCK -> List.of(Param.u32(opCode(op)), pIn, pOut, pIdx, rows, n, t);
            case ONLINE_SPLIT -> launch == plan.launches().getFirst()
                    ? List.of(Param.u32(opCode(op)), pIn, Param.pointer(ws), n, Param.u64(plan.chunk()), t)
                    : List.of(Param.u32(opCode(op)), pIn, pOut, pIdx, Param.pointer(ws), Param.u32(plan.splits()), n,
                            Param.u64(plan.chunk()), t);
            case STRIDED -> List.of(Param.u32(opCode(op)), pIn, pOut, pIdx, rows, n, Param.u64(r.inner()), t);
            case SELECTION -> {
                if (op == Op.TOP_K) {
                    yield List.of(pIn, pOut, pIdx, rows, n, Param.u64(r.inner()), Param.u64(r.k()));
                }
                Sampling s = r.sampling();
                boolean logProbs = r.secondOut().isPresent();
                yield List.of(pIn, pIdx, pOut, Param.u32(logProbs ? 1 : 0), rows, n, Param.f64(s.temperature()),
                        Param.u64(s.topK()), Param.f64(s.topP()), Param.f64(s.minP()), Param.u64(s.seed()));
            }
        };
    }

    /** The op codes of common.cuh ({@code enum Op}). */
    static int opCode(Op op) {
        return switch (op) {
            case SOFTMAX -> 0;
            case LOG_SOFTMAX -> 1;
            case LOGSUMEXP -> 2;
            case HARDMAX -> 3;
            case ARGMAX -> 4;
            case SIGMOID, LOG_SIGMOID -> throw new IllegalArgumentException(op.cliName() + " is elementwise, it has no row op code");
            case TOP_K, SAMPLE -> throw new IllegalArgumentException(op.cliName() + " has kernels of its own, no row op code");
        };
    }

    private void launch(Strategy strategy, LaunchPlan.Launch l, List<Param> parameters) {
        Pointer params = Pointer.to(parameters.stream().map(Param::value).toArray(Pointer[]::new));
        CUfunction f = function(strategy, l.function());
        if (l.sharedBytes() > device.limits().sharedPerBlock() && optedIn.add(l.function())) {
            int[] statics = new int[1];
            CudaDriver.check("cuFuncGetAttribute(" + l.function() + ")",
                    () -> JCudaDriver.cuFuncGetAttribute(statics, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f));
            int dynamic = device.limits().sharedPerBlockOptIn() - statics[0];
            CudaDriver.check("cuFuncSetAttribute(" + l.function() + ", " + dynamic + " bytes of shared memory)",
                    () -> JCudaDriver.cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynamic));
        }
        CudaDriver.check("cuLaunchKernel(" + l + ")", () -> JCudaDriver.cuLaunchKernel(f, l.gridX(), l.gridY(), 1,
                l.blockX(), l.blockY(), 1, l.sharedBytes(), stream, params, null));
    }

    private CUfunction function(Strategy strategy, String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            CUmodule m = module(strategy.module());
            CUfunction loaded = new CUfunction();
            CudaDriver.check("cuModuleGetFunction(" + name + ")", () -> JCudaDriver.cuModuleGetFunction(loaded, m, name));
            functions.put(name, loaded);
            f = loaded;
        }
        return f;
    }

    /** Loads a PTX module on first use: the driver JIT-compiles it (and caches the result on disk). */
    private CUmodule module(String name) {
        CUmodule m = modules.get(name);
        if (m == null) {
            byte[] ptx = ptx(name);
            CUmodule loaded = new CUmodule();
            CudaDriver.check("cuModuleLoadData(" + name + ".ptx)", () -> JCudaDriver.cuModuleLoadData(loaded, ptx));
            modules.put(name, loaded);
            m = loaded;
        }
        return m;
    }

    /** The PTX text of a module, NUL-terminated as cuModuleLoadData expects. */
    static byte[] ptx(String module) {
        String path = PTX_RESOURCES + module + ".ptx";
        try (InputStream s = CudaSoftmaxKernel.class.getClassLoader().getResourceAsStream(path)) {
            if (s == null) {
                throw new SoftmaxEngineException("cuda: PTX resource " + path + " is not on the class path (kernels jar missing?)");
            }
            byte[] text = s.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new SoftmaxEngineException("cuda: cannot read PTX resource " + path, e);
        }
    }

    private void makeCurrent() {
        CudaDriver.check("cuCtxSetCurrent", () -> JCudaDriver.cuCtxSetCurrent(context));
    }

    /**
     * Milliseconds of GPU time between the start and the end of the work {@code calls} queues on
     * this kernel's stream, between two CUDA events (as torch.cuda.Event measures).
     */
    private float streamMillis(Runnable calls) {
        lock.lock();
        try {
            requireOpen();
            makeCurrent();
            CUevent start = new CUevent();
            CUevent end = new CUevent();
            CudaDriver.check("cuEventCreate", () -> JCudaDriver.cuEventCreate(start, 0));
            try {
                CudaDriver.check("cuEventCreate", () -> JCudaDriver.cuEventCreate(end, 0));
                try {
                    CudaDriver.check("cuEventRecord", () -> JCudaDriver.cuEventRecord(start, stream));
                    calls.run();
                    CudaDriver.check("cuEventRecord", () -> JCudaDriver.cuEventRecord(end, stream));
                    CudaDriver.check("cuEventSynchronize", () -> JCudaDriver.cuEventSynchronize(end));
                    float[] ms = new float[1];
                    CudaDriver.check("cuEventElapsedTime", () -> JCudaDriver.cuEventElapsedTime(ms, start, end));
                    return ms[0];
                } finally {
                    JCudaDriver.cuEventDestroy(end);
                }
            } finally {
                JCudaDriver.cuEventDestroy(start);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Free device memory as the driver reports it (cuMemGetInfo), for leak tests. */
    long deviceFreeBytes() {
        lock.lock();
        try {
            requireOpen();
            makeCurrent();
            long[] free = new long[1];
            long[] total = new long[1];
            CudaDriver.check("cuMemGetInfo", () -> JCudaDriver.cuMemGetInfo(free, total));
            return free[0];
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of device memory this kernel holds as scratch for staged operands and workspaces, for leak tests. */
    long scratchBytes() {
        lock.lock();
        try {
            return inScratch.capacity() + outScratch.capacity() + workspace.capacity() + secondScratch.capacity();
        } finally {
            lock.unlock();
        }
    }

    /** Scratch, staging, modules, the stream and the context; the buffers went before. */
    @Override
    protected void releaseDevice(List<RuntimeException> failures) {
        attempt(failures, this::makeCurrent);
        attempt(failures, inScratch::close);
        attempt(failures, outScratch::close);
        attempt(failures, workspace::close);
        attempt(failures, secondScratch::close);
        attempt(failures, staging::close);
        for (Map.Entry<String, CUmodule> m : modules.entrySet()) {
            attempt(failures, () -> CudaDriver.check("cuModuleUnload(" + m.getKey() + ")",
                    () -> JCudaDriver.cuModuleUnload(m.getValue())));
        }
        modules.clear();
        functions.clear();
        attempt(failures, () -> CudaDriver.check("cuStreamDestroy", () -> JCudaDriver.cuStreamDestroy(stream)));
        attempt(failures, () -> CudaDriver.check("cuDevicePrimaryCtxRelease",
                () -> JCudaDriver.cuDevicePrimaryCtxRelease(handle)));
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    @Override
    public String toString() {
        return "CudaSoftmaxKernel[" + device.describe() + (isClosed() ? ", closed" : "") + "]";
    }
}
