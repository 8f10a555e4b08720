package dev.softmaxengine.opencl;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.SoftmaxEngineException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * The programs and kernel objects of one context: each strategy is built once per dtype, on first
 * use (PoCL takes a second or so per build), and its kernels are created once and reused. Not
 * thread-safe; the owning {@link OpenClSoftmaxKernel} serializes calls.
 */
final class ClPrograms implements AutoCloseable {

    /** A kernel object and the work-group size it runs with (a power of two). */
    record ClKernel(cl_kernel kernel, int workGroupSize) {
    }

    private final cl_context context;
    private final OpenClDevice device;
    private final int preferredGroupSize;
    private final Map<DType, Map<Strategy, cl_program>> programs = new EnumMap<>(DType.class);
    private final Map<String, ClKernel> kernels = new HashMap<>();

    ClPrograms(cl_context context, OpenClDevice device, int preferredGroupSize) {
        this.context = context;
        this.device = device;
        this.preferredGroupSize = preferredGroupSize;
    }

    /** The kernel of {@code strategy} that computes {@code op} in {@code dtype}, building its program if needed. */
    ClKernel kernel(Strategy strategy, DType dtype, Op op) {
        String name = strategy.kernelName(op);
        String key = dtype + "/" + name;
        ClKernel k = kernels.get(key);
        if (k == null) {
            cl_program program = programs.computeIfAbsent(dtype, d -> new EnumMap<>(Strategy.class))
                    .computeIfAbsent(strategy, s -> build(context, device, s.file() + " (" + dtype + ")",
                            s.source(), options(dtype)));
            cl_kernel kernel = Cl.call("clCreateKernel " + name, () -> CL.clCreateKernel(program, name, null));
            int size = groupSize(kernel);
            if (size < Strategy.MAX_LANES) {
                CL.clReleaseKernel(kernel);
                throw new SoftmaxEngineException("opencl: kernel " + name + " runs at most " + size
                        + " work-items per group on '" + device.name() + "', fewer than the " + Strategy.MAX_LANES
                        + " lanes a row may take");
            }
            k = new ClKernel(kernel, size);
            kernels.put(key, k);
        }
        return k;
    }

    private static String options(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "-D REAL=float";
            case FLOAT64 -> "-D REAL=double -D USE_FP64";
            case BFLOAT16 -> "-D REAL=float -D STORE_BF16";
            case FLOAT16 -> "-D REAL=float -D STORE_F16";
            case INT32 -> throw new IllegalArgumentException("no op computes in INT32");
        };
    }

    /** The largest power of two within the preferred size, the device's and the kernel's limits. */
    private int groupSize(cl_kernel kernel) {
        long[] max = new long[1];
        Cl.run("clGetKernelWorkGroupInfo", () -> CL.clGetKernelWorkGroupInfo(kernel, device.id(),
                CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(max), null));
        long limit = Math.min(preferredGroupSize, Math.min(device.maxWorkGroupSize(), max[0]));
        return (int) Long.highestOneBit(Math.max(1, limit));
    }

    /**
     * Compiles {@code source} for the device. A compile error surfaces as a
     * {@link SoftmaxEngineException} carrying the compiler's build log.
     */
    static cl_program build(cl_context context, OpenClDevice device, String label, String source, String options) {
        cl_program program = Cl.call("clCreateProgramWithSource " + label,
                () -> CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null));
        try {
            Cl.inject("clBuildProgram");
            CL.clBuildProgram(program, 1, new cl_device_id[] {device.id()}, options, null, null);
            return program;
        } catch (CLException e) {
            String log = buildLog(program, device);
            CL.clReleaseProgram(program);
            throw new SoftmaxEngineException("opencl: clBuildProgram " + label + " for '" + device.name()
                    + "' failed with " + Cl.errorName(e) + "; build log:\n" + log, e);
        }
    }

    private static String buildLog(cl_program program, OpenClDevice device) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(program, device.id(), CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(program, device.id(), CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            int n = log.length > 0 && log[log.length - 1] == 0 ? log.length - 1 : log.length;
            return new String(log, 0, n, StandardCharsets.UTF_8).strip();
        } catch (CLException e) {
            return "(no build log: clGetProgramBuildInfo failed with " + Cl.errorName(e) + ")";
        }
    }

    /** Number of programs built so far, for tests of the once-per-context cache. */
    int programCount() {
        return programs.values().stream().mapToInt(Map::size).sum();
    }

    /** Releases every kernel, then every program; throws the first failure after trying them all. */
    @Override
    public void close() {
        SoftmaxEngineException first = null;
        for (ClKernel k : kernels.values()) {
            first = release(first, "clReleaseKernel", () -> CL.clReleaseKernel(k.kernel()));
        }
        kernels.clear();
        for (Map<Strategy, cl_program> byStrategy : programs.values()) {
            for (cl_program p : byStrategy.values()) {
                first = release(first, "clReleaseProgram", () -> CL.clReleaseProgram(p));
            }
        }
        programs.clear();
        if (first != null) {
            throw first;
        }
    }

    static SoftmaxEngineException release(SoftmaxEngineException first, String call, Runnable release) {
        try {
            Cl.run(call, release);
            return first;
        } catch (SoftmaxEngineException e) {
            if (first != null) {
                first.addSuppressed(e);
                return first;
            }
            return e;
        }
    }
}
