package dev.softmaxengine.bench.suite;

import java.util.Arrays;

/**
 * Timed samples of one case, in milliseconds per call.
 *
 * @param clock {@code host-clock} ({@link System#nanoTime()}) or {@code device-events}
 * @param count samples taken
 * @param callsPerSample calls averaged into each host-clock sample (1 with device events)
 */
public record Samples(String clock, int count, int callsPerSample, double minMs, double medianMs, double maxMs) {
    public static final String HOST_CLOCK = "host-clock";
    public static final String DEVICE_EVENTS = "device-events";

    public Samples {
        if (!HOST_CLOCK.equals(clock) && !DEVICE_EVENTS.equals(clock)) {
            throw new IllegalArgumentException("clock must be " + HOST_CLOCK + " or " + DEVICE_EVENTS + ", was " + clock);
        }
        if (count < 1 || callsPerSample < 1) {
            throw new IllegalArgumentException("count and callsPerSample must be >= 1, were " + count + ", "
                    + callsPerSample);
        }
        if (!(minMs > 0 && minMs <= medianMs && medianMs <= maxMs) || Double.isInfinite(maxMs)) {
            throw new IllegalArgumentException("times must be finite with 0 < min <= median <= max, were " + minMs
                    + ", " + medianMs + ", " + maxMs);
        }
    }

    /** The statistics of {@code ms}; times of zero (a clock that did not tick) are rejected. */
    public static Samples of(String clock, int callsPerSample, double[] ms) {
        if (ms == null || ms.length == 0) {
            throw new IllegalArgumentException("ms must hold at least one sample");
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Samples(clock, n, callsPerSample, sorted[0], median, sorted[n - 1]);
    }
}
