package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.Backends;

/**
 * A backend, found with {@link java.util.ServiceLoader} by {@link Backends}: backends register an
 * implementation in {@code META-INF/services/dev.softmaxengine.api.spi.KernelProvider} (or
 * {@code provides} it from a named module). {@link #probe()} must never throw or
 * crash the JVM when hardware or native libraries are missing: it reports why instead.
 */
public interface KernelProvider {

    /** Unique lower-case name, as used by {@code softmax.backend} and {@code --backend}. */
    String name();

    /** Whether this backend can run here, and how much {@code auto} should prefer it. Called once. */
    Probe probe();

    /** A new kernel; the caller closes it. Called only after a usable probe. */
    KernelBackend create();

    /**
     * The outcome of a probe. {@code autoRank} orders usable backends for {@code auto} (higher wins):
     * CUDA 400, OpenCL on a GPU 300, SIMD 200, OpenCL on a CPU 150, scalar 100.
     */
    record Probe(boolean usable, String reason, int autoRank, java.util.List<String> devices) {
        /** Copies {@code devices}. */
        public Probe {
            devices = java.util.List.copyOf(devices);
        }

        /** A usable backend with its rank for {@code auto} and the devices it found. */
        public static Probe usable(int autoRank, java.util.List<String> devices) {
            return new Probe(true, "usable", autoRank, devices);
        }

        /** An unusable backend, with the reason a user can act on. */
        public static Probe unusable(String reason) {
            return new Probe(false, reason, 0, java.util.List.of());
        }
    }
}
