package dev.softmaxengine.api;

/**
 * A backend, found with {@link java.util.ServiceLoader}. {@link #probe()} must never throw or
 * crash the JVM when hardware or native libraries are missing: it reports why instead.
 */
public interface KernelProvider {

    /** Unique lower-case name, as used by {@code softmax.backend} and {@code --backend}. */
    String name();

    /** Whether this backend can run here, and how much {@code auto} should prefer it. Called once. */
    Probe probe();

    /** A new kernel; the caller closes it. Called only after a usable probe. */
    SoftmaxKernel create();

    /**
     * The outcome of a probe. {@code autoRank} orders usable backends for {@code auto} (higher wins):
     * CUDA 400, OpenCL on a GPU 300, SIMD 200, OpenCL on a CPU 150, scalar 100.
     */
    record Probe(boolean usable, String reason, int autoRank, java.util.List<String> devices) {
        public Probe {
            devices = java.util.List.copyOf(devices);
        }

        public static Probe usable(int autoRank, java.util.List<String> devices) {
            return new Probe(true, "usable", autoRank, devices);
        }

        public static Probe unusable(String reason) {
            return new Probe(false, reason, 0, java.util.List.of());
        }
    }
}
