package dev.softmaxengine.bench.suite;

import java.time.Duration;

/**
 * How long each case warms up and is measured. The first (cold) call counts as warm-up, which runs
 * until the times settle (the JIT has compiled the hot loops), but at least {@code minWarmup} and at
 * most {@code maxWarmup}; measuring takes at least {@code minSamples} samples and {@code minMeasure},
 * at most {@code maxSamples}. A case whose calls are so slow that it passes {@code maxCase} stops
 * with fewer samples (at least one): a backend at 0.02 GB/s would otherwise hold a run for minutes.
 * A host-clock sample groups as many calls as last at least {@code minSample}, because
 * {@link System#nanoTime()} cannot resolve one sub-microsecond call. With {@code targetInterval}
 * above 0 ({@code --repeat-until}) measuring goes on past {@code minMeasure} until the median's
 * bootstrap interval ({@link Bootstrap}) is within {@code ±targetInterval} of it for every
 * contender of the case, still at most {@code maxSamples} and {@code maxCase}.
 */
public record Timing(Duration minWarmup, Duration maxWarmup, Duration minMeasure, int minSamples, int maxSamples,
                     Duration minSample, Duration maxCase, double targetInterval) {
    /** The default run: a few seconds per case. */
    public static final Timing FULL = new Timing(Duration.ofMillis(300), Duration.ofSeconds(2), Duration.ofMillis(500),
            5, 200, Duration.ofMillis(1), Duration.ofSeconds(10), 0);
    /** {@code --quick}: enough for the shape of the curves in about two minutes on two cores. */
    public static final Timing QUICK = new Timing(Duration.ofMillis(40), Duration.ofMillis(1000), Duration.ofMillis(100),
            3, 50, Duration.ofNanos(200_000), Duration.ofMillis(1500), 0);
    /**
     * The copy ceilings, quick run or not: every fraction divides by them, so they get more samples
     * (the best one counts, as in STREAM, which a busy moment of the machine cannot lower).
     */
    public static final Timing CEILING = new Timing(Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofMillis(500), 10, 500, Duration.ZERO, Duration.ofSeconds(5), 0);
    /**
     * The exp roofs: calls of about 1 ms, best one counts, as for the copy. The probe has compiled
     * its loop before this warm-up starts ({@link ExpThroughput#COMPILE}): until C2 has, its times
     * are stable too, but 100x slower (measured: 0.23 G exp/s after a 100 ms warm-up, where the
     * compiled loop runs at several G exp/s).
     */
    public static final Timing ROOF = new Timing(Duration.ofMillis(200), Duration.ofSeconds(2),
            Duration.ofMillis(300), 10, 300, Duration.ZERO, Duration.ofSeconds(4), 0);
    /** Samples of the one-row batches: enough single calls for a p99. */
    static final int LATENCY_SAMPLES = 200;

    public Timing {
        for (Duration d : new Duration[] {minWarmup, maxWarmup, minMeasure, minSample, maxCase}) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("durations must be >= 0, were " + minWarmup + ", " + maxWarmup
                        + ", " + minMeasure + ", " + minSample + ", " + maxCase);
            }
        }
        if (maxWarmup.compareTo(minWarmup) < 0) {
            throw new IllegalArgumentException("maxWarmup must be >= minWarmup " + minWarmup + ", was " + maxWarmup);
        }
        if (minSamples < 1) {
            throw new IllegalArgumentException("minSamples must be >= 1, was " + minSamples);
        }
        if (maxSamples < minSamples) {
            throw new IllegalArgumentException("maxSamples must be >= minSamples " + minSamples + ", was " + maxSamples);
        }
        if (!(targetInterval >= 0 && targetInterval < 1)) {
            throw new IllegalArgumentException("targetInterval must be in [0, 1), was " + targetInterval);
        }
    }

    /** Without a target interval. */
    public Timing(Duration minWarmup, Duration maxWarmup, Duration minMeasure, int minSamples, int maxSamples,
                  Duration minSample, Duration maxCase) {
        this(minWarmup, maxWarmup, minMeasure, minSamples, maxSamples, minSample, maxCase, 0);
    }

    /** This timing, measuring until the median's interval is within {@code ±target} (0: off). */
    public Timing withTargetInterval(double target) {
        return new Timing(minWarmup, maxWarmup, minMeasure, minSamples, maxSamples, minSample, maxCase, target);
    }

    /**
     * For one-row latency: every sample one call ({@code minSample} zero), and at least
     * {@value #LATENCY_SAMPLES} of them, so that p90 and p99 are of calls, not of averages of calls.
     */
    public Timing forLatency() {
        return new Timing(minWarmup, maxWarmup, minMeasure, Math.max(minSamples, LATENCY_SAMPLES),
                Math.max(maxSamples, 10 * LATENCY_SAMPLES), Duration.ZERO, maxCase, targetInterval);
    }
}
