package dev.softmaxengine.bench.suite;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A percentile bootstrap interval for the median of timing samples: resample with replacement,
 * take each resample's median, and read the interval off their sorted list. Seeded, so the same
 * samples always give the same interval (a report redrawn later says what it said at first).
 */
public final class Bootstrap {
    /** Resamples per interval: enough for a 95% interval's ends to move well under 1% between seeds. */
    public static final int RESAMPLES = 1000;
    public static final double CONFIDENCE = 0.95;
    static final long SEED = 0xB007_5743L;

    /** The interval {@code [low, high]}. */
    public record Interval(double low, double high) {
        /** Half its width over {@code centre}: 0.02 means within ±2% of it. */
        public double relativeHalfWidth(double centre) {
            return (high - low) / 2 / centre;
        }
    }

    private Bootstrap() {
    }

    /** The {@link #CONFIDENCE} interval of the median of {@code samples}, {@link #RESAMPLES} resamples, seed {@link #SEED}. */
    public static Interval medianInterval(double[] samples) {
        return medianInterval(samples, RESAMPLES, CONFIDENCE, SEED);
    }

    public static Interval medianInterval(double[] samples, int resamples, double confidence, long seed) {
        if (samples == null || samples.length == 0) {
            throw new IllegalArgumentException("samples must hold at least one value");
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be >= 1, was " + resamples);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), was " + confidence);
        }
        int n = samples.length;
        SplittableRandom random = new SplittableRandom(seed);
        double[] medians = new double[resamples];
        double[] draw = new double[n];
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                draw[i] = samples[random.nextInt(n)];
            }
            medians[b] = median(draw);
        }
        Arrays.sort(medians);
        double tail = (1 - confidence) / 2;
        return new Interval(percentileOfSorted(medians, tail), percentileOfSorted(medians, 1 - tail));
    }

    /** The median of {@code values} (sorts them in place). */
    static double median(double[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /** The {@code q}-quantile of sorted {@code values}, linear between the two nearest ranks (numpy's default). */
    public static double percentileOfSorted(double[] sorted, double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in [0, 1], was " + q);
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
