package dev.softmaxengine.opencl;

import java.util.Locale;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as discovery saw it. {@code problem} is null for a usable device, else why it
 * cannot run the engine's kernels.
 */
record OpenClDevice(int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id id,
                    String platformName, String name, String type, String version, int computeUnits,
                    long globalMemBytes, long localMemBytes, long maxAllocBytes,
                    long maxWorkGroupSize, boolean fp64, String problem) {

    static OpenClDevice query(int platformIndex, int deviceIndex, cl_platform_id platform, String platformName,
                              cl_device_id id) {
        long typeBits = Cl.deviceLong(id, CL.CL_DEVICE_TYPE);
        String type = (typeBits & CL.CL_DEVICE_TYPE_GPU) != 0 ? "GPU"
                : (typeBits & CL.CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                : (typeBits & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator"
                : "other";
        String extensions = " " + Cl.deviceString(id, CL.CL_DEVICE_EXTENSIONS) + " ";
        String version = Cl.deviceString(id, CL.CL_DEVICE_VERSION);
        long maxWorkGroupSize = Cl.deviceLong(id, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        String problem = null;
        if (Cl.deviceInt(id, CL.CL_DEVICE_AVAILABLE) == 0) {
            problem = "the device reports itself unavailable";
        } else if (Cl.deviceInt(id, CL.CL_DEVICE_COMPILER_AVAILABLE) == 0) {
            problem = "the driver has no OpenCL C compiler for it";
        } else if (version.startsWith("OpenCL 1.0") || version.startsWith("OpenCL 1.1")) {
            problem = version + " is older than the OpenCL 1.2 the kernels need";
        } else if (maxWorkGroupSize < Strategy.MAX_LANES) {
            problem = "work-groups of at most " + maxWorkGroupSize + " work-items, fewer than the "
                    + Strategy.MAX_LANES + " lanes a row may take";
        }
        return new OpenClDevice(platformIndex, deviceIndex, platform, id, platformName,
                Cl.deviceString(id, CL.CL_DEVICE_NAME), type, version,
                Cl.deviceInt(id, CL.CL_DEVICE_MAX_COMPUTE_UNITS),
                Cl.deviceLong(id, CL.CL_DEVICE_GLOBAL_MEM_SIZE),
                Cl.deviceLong(id, CL.CL_DEVICE_LOCAL_MEM_SIZE),
                Cl.deviceLong(id, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE), maxWorkGroupSize,
                extensions.contains(" cl_khr_fp64 "), problem);
    }

    boolean usable() {
        return problem == null;
    }

    boolean isGpu() {
        return type.equals("GPU");
    }

    /** One line for {@code Probe.devices()} and {@code device()}. */
    String describe() {
        String line = String.format(Locale.ROOT,
                "platform %d '%s', device %d '%s': %s, %s, %d compute units, %.1f GiB global memory, %d KiB local, fp64 %s",
                platformIndex, platformName, deviceIndex, name, type, version, computeUnits,
                globalMemBytes / (double) (1L << 30), localMemBytes >> 10, fp64 ? "yes" : "no");
        return problem == null ? line : line + "; unusable: " + problem;
    }
}
