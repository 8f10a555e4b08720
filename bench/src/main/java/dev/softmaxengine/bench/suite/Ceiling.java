package dev.softmaxengine.bench.suite;

/**
 * A measured copy bandwidth that bounds a memory-bound kernel: results are reported as a fraction
 * of it. {@code gbps} is the best sample, as STREAM reports, with {@code bytes} counted read plus
 * written per copy.
 *
 * @param id key that results name in {@link CaseResult#ceiling()}, e.g. {@code cpu-copy-x2}
 * @param threads CPU threads copying; 0 for a device copy
 * @param source {@code suite}, or {@code torch} for a ceiling merged from the companion script
 */
public record Ceiling(String id, String label, String device, int threads, long bytes, Samples samples, double gbps,
                      String source) {
    public Ceiling {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("id must not be blank");
        }
        if (!(gbps > 0) || Double.isInfinite(gbps)) {
            throw new IllegalArgumentException("gbps must be finite and > 0, was " + gbps);
        }
    }

    /** {@code samples} of a copy moving {@code bytes} (read + written), rated by its best sample. */
    public static Ceiling of(String id, String label, String device, int threads, long bytes, Samples samples,
                             String source) {
        return new Ceiling(id, label, device, threads, bytes, samples,
                Traffic.gigabytesPerSecond(bytes, samples.minMs()), source);
    }

    /** The id of the device copy ceiling of the device contender {@code label}. */
    public static String deviceId(String label) {
        return "device-copy-" + label;
    }

    /** The id of the CPU copy ceiling at {@code threads} threads. */
    public static String cpuId(int threads) {
        return "cpu-copy-x" + threads;
    }
}
