package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.Backends;

/**
 * A backend, found with {@link java.util.ServiceLoader} by {@link Backends}: backends register an
 * implementation in {@code META-INF/services/dev.softmaxengine.api.spi.KernelProvider} (or
 * {@code provides} it from a named module). {@link #probe()} must never throw or
 * crash the JVM when hardware or native libraries are missing: it reports why instead.
 */
public interface KernelProvider {

    /**
     * Unique lower-case name, as used by {@code softmax.backend} and {@code --backend}.
     *
     * @return the name, e.g. {@code scalar} or {@code cuda}
     */
    String name();

    /**
     * Whether this backend can run here, and how much {@code auto} should prefer it. Called once.
     *
     * @return the outcome, never null; a probe that throws is recorded as unusable
     */
    Probe probe();

    /**
     * A new kernel; the caller closes it. Called only after a usable probe.
     *
     * @return a new, open kernel
     */
    KernelBackend create();

    /**
     * The outcome of a probe. {@code autoRank} orders usable backends for {@code auto} (higher wins):
     * CUDA 400, OpenCL on a GPU 300, SIMD 200, OpenCL on a CPU 150, scalar 100.
     *
     * @param usable whether the backend can run here
     * @param reason {@code "usable"} for a usable backend, else why not and how to fix it, for users
     * @param autoRank how much {@code auto} prefers the backend, higher first; 0 when unusable
     * @param devices what the backend found, in words, one entry per device; copied into an
     *     immutable list, so neither it nor its elements may be null
     */
    record Probe(boolean usable, String reason, int autoRank, java.util.List<String> devices) {
        /** Copies {@code devices}. */
        public Probe {
            devices = java.util.List.copyOf(devices);
        }

        /**
         * A usable backend with its rank for {@code auto} and the devices it found.
         *
         * @param autoRank the rank for {@code auto}, see the ranks above
         * @param devices the devices found, in words; copied, not null
         * @return a usable probe with reason {@code "usable"}
         */
        public static Probe usable(int autoRank, java.util.List<String> devices) {
            return new Probe(true, "usable", autoRank, devices);
        }

        /**
         * An unusable backend, with the reason a user can act on.
         *
         * @param reason why the backend cannot run here and how to fix it
         * @return an unusable probe of rank 0 with no devices
         */
        public static Probe unusable(String reason) {
            return new Probe(false, reason, 0, java.util.List.of());
        }
    }
}
