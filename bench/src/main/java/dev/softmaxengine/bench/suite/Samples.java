package dev.softmaxengine.bench.suite;

import java.util.Arrays;

/**
 * Timed samples of one case, in milliseconds per call. The quartiles, p90 and p99 and the median's
 * bootstrap interval ({@link Bootstrap}) are null in results files of schema 1, which kept only
 * min, median and max.
 *
 * @param clock {@code host-clock} ({@link System#nanoTime()}) or {@code device-events}
 * @param count samples taken
 * @param callsPerSample calls averaged into each host-clock sample (1 with device events; 1 for the
 *     one-row batches, so that their percentiles are of single calls)
 * @param medianLowMs low end of the median's 95% bootstrap interval
 * @param medianHighMs high end of it
 */
public record Samples(String clock, int count, int callsPerSample, double minMs, double medianMs, double maxMs,
                      Double p25Ms, Double p75Ms, Double p90Ms, Double p99Ms, Double medianLowMs,
                      Double medianHighMs) {
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

    /** Min, median and max only (torch's JSON, and schema-1 files). */
    public Samples(String clock, int count, int callsPerSample, double minMs, double medianMs, double maxMs) {
        this(clock, count, callsPerSample, minMs, medianMs, maxMs, null, null, null, null, null, null);
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
        Bootstrap.Interval ci = Bootstrap.medianInterval(sorted);
        return new Samples(clock, n, callsPerSample, sorted[0], median, sorted[n - 1],
                Bootstrap.percentileOfSorted(sorted, 0.25), Bootstrap.percentileOfSorted(sorted, 0.75),
                Bootstrap.percentileOfSorted(sorted, 0.90), Bootstrap.percentileOfSorted(sorted, 0.99), ci.low(),
                ci.high());
    }

    /** Whether the quartiles and percentiles are known (not a schema-1 or torch result). */
    public boolean hasPercentiles() {
        return p25Ms != null && p75Ms != null && p90Ms != null && p99Ms != null;
    }
}
