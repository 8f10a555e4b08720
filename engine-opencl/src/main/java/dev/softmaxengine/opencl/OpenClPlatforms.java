package dev.softmaxengine.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Discovery over every platform and every device type (PoCL reports a CPU device, so asking only
 * for GPUs would miss it). Scanned once per JVM. Never throws: a missing libOpenCL, no ICD or a
 * failing driver becomes {@link Discovery#failure()}.
 */
final class OpenClPlatforms {

    /** What discovery found: every device (usable or not), notes on empty platforms, or why nothing could be asked. */
    record Discovery(List<OpenClDevice> devices, List<String> notes, String failure) {
        Discovery {
            devices = List.copyOf(devices);
            notes = List.copyOf(notes);
        }

        /** GPUs first, then accelerators, then CPUs; more compute units, then more memory, break ties. */
        Optional<OpenClDevice> best() {
            return devices.stream().filter(OpenClDevice::usable)
                    .min(Comparator.comparingInt(OpenClPlatforms::typeOrder)
                            .thenComparing(Comparator.comparingInt(OpenClDevice::computeUnits).reversed())
                            .thenComparing(Comparator.comparingLong(OpenClDevice::globalMemBytes).reversed()));
        }

        /** One line per device and per note, for {@code Probe.devices()}. */
        List<String> lines() {
            List<String> lines = new ArrayList<>();
            devices.forEach(d -> lines.add(d.describe()));
            lines.addAll(notes);
            return lines;
        }
    }

    private OpenClPlatforms() {
    }

    private static final class Holder {
        static final Discovery DISCOVERY = scan();
    }

    static Discovery discovery() {
        return Holder.DISCOVERY;
    }

    private static int typeOrder(OpenClDevice d) {
        return switch (d.type()) {
            case "GPU" -> 0;
            case "accelerator" -> 1;
            case "CPU" -> 2;
            default -> 3;
        };
    }

    /** The OpenCL loader JOCL opens on Linux. */
    static final String LIBOPENCL = "libOpenCL.so.1";

    /**
     * Why JOCL must not be loaded here, or null: without native access every native load prints the
     * JVM's restricted-method warnings, and without {@value #LIBOPENCL} JOCL's native code prints
     * "Could not load" to the host's stdout; both are told apart first, quietly.
     */
    @SuppressWarnings("restricted")
    static String refusal() {
        if (!OpenClPlatforms.class.getModule().isNativeAccessEnabled()) {
            return "native access is not enabled; add --enable-native-access=ALL-UNNAMED";
        }
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            try (Arena arena = Arena.ofConfined()) {
                SymbolLookup.libraryLookup(LIBOPENCL, arena);
            } catch (IllegalArgumentException e) {
                return "no " + LIBOPENCL + " on this host; install an OpenCL loader and driver, e.g."
                        + " ocl-icd-libopencl1 and pocl-opencl-icd";
            }
        }
        return null;
    }

    private static Discovery scan() {
        List<OpenClDevice> devices = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String refusal = refusal();
        if (refusal != null) {
            return new Discovery(devices, notes, refusal);
        }
        try {
            // The first touch of org.jocl.CL loads JOCL's JNI library and then libOpenCL.so(.1).
            Cl.enableExceptions();
            cl_platform_id[] platforms = platforms();
            if (platforms.length == 0) {
                return new Discovery(devices, notes, "no OpenCL platform: libOpenCL.so.1 loaded, but no driver (ICD) "
                        + "is registered; install one, e.g. pocl-opencl-icd");
            }
            for (int p = 0; p < platforms.length; p++) {
                cl_platform_id platform = platforms[p];
                String platformName = Cl.platformString(platform, CL.CL_PLATFORM_NAME);
                cl_device_id[] ids = devices(platform);
                if (ids.length == 0) {
                    notes.add("platform " + p + " '" + platformName + "': no devices");
                }
                for (int d = 0; d < ids.length; d++) {
                    devices.add(OpenClDevice.query(p, d, platform, platformName, ids[d]));
                }
            }
            return new Discovery(devices, notes, null);
        } catch (LinkageError e) {
            return new Discovery(devices, notes, "no usable libOpenCL.so.1 on this host (" + e.getMessage()
                    + "); install an OpenCL loader and driver, e.g. ocl-icd-libopencl1 and pocl-opencl-icd");
        } catch (RuntimeException e) {
            return new Discovery(devices, notes, "OpenCL discovery failed: " + e.getMessage());
        }
    }

    private static cl_platform_id[] platforms() {
        int[] count = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL.CL_PLATFORM_NOT_FOUND_KHR) {
                return new cl_platform_id[0];
            }
            throw Cl.failure("clGetPlatformIDs", e);
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        if (platforms.length > 0) {
            Cl.run("clGetPlatformIDs", () -> CL.clGetPlatformIDs(platforms.length, platforms, null));
        }
        return platforms;
    }

    private static cl_device_id[] devices(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL.CL_DEVICE_NOT_FOUND) {
                return new cl_device_id[0];
            }
            throw Cl.failure("clGetDeviceIDs", e);
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        Cl.run("clGetDeviceIDs", () -> CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null));
        return ids;
    }
}
