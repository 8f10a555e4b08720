package dev.softmaxengine.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;

import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.SoftmaxEngineException;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA driver as the backend sees it: the usability probe, device queries, and the one place
 * where driver errors become {@link SoftmaxEngineException}s.
 */
final class CudaDriver {
    /** Oldest GPU architecture the kernels are built for (compute_75: Turing). */
    static final int MIN_COMPUTE_CAPABILITY = 75;
    /** The committed PTX declares ISA 7.0 (kernels/build-ptx.sh), which CUDA 11.0 drivers introduced. */
    static final int MIN_DRIVER_VERSION = 11_000;
    static final String LIBCUDA = "libcuda.so.1";
    /** Every SoftmaxEngineException of this backend starts so. */
    static final String PREFIX = "cuda: ";

    private CudaDriver() {
    }

    /** A driver call that returns its CUresult; JCuda throws {@link CudaException} for any error. */
    @FunctionalInterface
    interface Call {
        int run();
    }

    /**
     * Runs {@code call}, turning a driver error into a {@link SoftmaxEngineException} naming
     * {@code what} and the CUDA error.
     */
    static void check(String what, Call call) {
        try {
            call.run();
        } catch (CudaException e) {
            throw new SoftmaxEngineException(PREFIX + what + " failed: " + e.getMessage(), e);
        }
    }

    /** A GPU the backend can use. */
    record Device(int ordinal, String name, int computeCapability, DeviceLimits limits) {
        String describe() {
            return String.format(Locale.ROOT, "%s (sm_%d, %d SMs, device %d)", name, computeCapability,
                    limits.multiprocessors(), ordinal);
        }
    }

    /**
     * Whether CUDA can run here. Cheap and safe without a GPU: looks for {@value #LIBCUDA} with the
     * dynamic linker before anything loads JCuda's native library (which needs it), then asks the
     * driver. Never throws.
     */
    @SuppressWarnings("restricted")
    static KernelProvider.Probe probe() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return KernelProvider.Probe.unusable("JCuda natives are bundled for linux-x86_64 only, this is "
                    + os + "-" + arch);
        }
        if (!CudaDriver.class.getModule().isNativeAccessEnabled()) {
            // Without the flag every native load would print the JVM's restricted-method warnings.
            return KernelProvider.Probe.unusable("native access is not enabled; add --enable-native-access=ALL-UNNAMED");
        }
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(LIBCUDA, arena);
        } catch (IllegalArgumentException e) {
            return KernelProvider.Probe.unusable("no " + LIBCUDA + " on this host (no NVIDIA driver)");
        } catch (IllegalCallerException e) {
            return KernelProvider.Probe.unusable("native access is disabled; add --enable-native-access=ALL-UNNAMED");
        }
        try {
            List<Device> devices = devices();
            if (devices.isEmpty()) {
                return KernelProvider.Probe.unusable("no GPU of compute capability >= "
                        + MIN_COMPUTE_CAPABILITY / 10 + "." + MIN_COMPUTE_CAPABILITY % 10 + " (" + allDevices() + ")");
            }
            return KernelProvider.Probe.usable(400, devices.stream().map(Device::describe).toList());
        } catch (SoftmaxEngineException e) {
            // Backends names the backend; the message need not repeat it.
            return KernelProvider.Probe.unusable(e.getMessage().substring(PREFIX.length()));
        } catch (Throwable e) {
            // Whatever else a broken install throws; the probe must not take the JVM down with it.
            return KernelProvider.Probe.unusable("probe failed: " + firstLine(e));
        }
    }

    private static String firstLine(Throwable e) {
        return e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    private static volatile boolean initialized;

    /** cuInit and the driver-version check, once per JVM. */
    static synchronized void init() {
        if (initialized) {
            return;
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            // UnsatisfiedLinkError on the first use, NoClassDefFoundError on later ones.
            throw new SoftmaxEngineException(PREFIX + "cannot load JCuda's driver binding: " + firstLine(e), e);
        }
        check("cuInit", () -> JCudaDriver.cuInit(0));
        int[] version = new int[1];
        check("cuDriverGetVersion", () -> JCudaDriver.cuDriverGetVersion(version));
        if (version[0] < MIN_DRIVER_VERSION) {
            throw new SoftmaxEngineException(PREFIX + "the driver supports CUDA " + release(version[0])
                    + ", the kernels need " + release(MIN_DRIVER_VERSION) + " or newer");
        }
        initialized = true;
    }

    /** The GPUs of compute capability >= 7.5. */
    static List<Device> devices() {
        init();
        List<Device> usable = new ArrayList<>();
        for (int i = 0; i < deviceCount(); i++) {
            Device d = device(i);
            if (d.computeCapability() >= MIN_COMPUTE_CAPABILITY) {
                usable.add(d);
            }
        }
        return usable;
    }

    private static int deviceCount() {
        int[] count = new int[1];
        check("cuDeviceGetCount", () -> JCudaDriver.cuDeviceGetCount(count));
        return count[0];
    }

    private static String allDevices() {
        int count = deviceCount();
        if (count == 0) {
            return "the driver sees no device";
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Device d = device(i);
            all.add(d.name() + " is sm_" + d.computeCapability());
        }
        return String.join(", ", all);
    }

    static Device device(int ordinal) {
        init();
        CUdevice dev = handle(ordinal);
        byte[] name = new byte[256];
        check("cuDeviceGetName", () -> JCudaDriver.cuDeviceGetName(name, name.length, dev));
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        int cc = 10 * attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                + attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        DeviceLimits limits = new DeviceLimits(attribute(dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                attribute(dev, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK),
                attribute(dev, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
        return new Device(ordinal, new String(name, 0, len, StandardCharsets.UTF_8), cc, limits);
    }

    static CUdevice handle(int ordinal) {
        CUdevice dev = new CUdevice();
        check("cuDeviceGet(" + ordinal + ")", () -> JCudaDriver.cuDeviceGet(dev, ordinal));
        return dev;
    }

    private static int attribute(CUdevice dev, int attribute) {
        int[] value = new int[1];
        check("cuDeviceGetAttribute(" + attribute + ")", () -> JCudaDriver.cuDeviceGetAttribute(value, attribute, dev));
        return value[0];
    }

    private static String release(int version) {
        return version / 1000 + "." + version % 1000 / 10;
    }
}
