package dev.softmaxengine.bench.suite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The suite's timing loop: one cold call, a warm-up that lasts until the times settle, then
 * repeated samples. A call that reports a device time (a GPU backend's events) is timed by it; any
 * other is timed with {@link System#nanoTime()} in groups of calls long enough to resolve. JMH
 * cannot read device events or time transfers apart from compute, hence a loop of its own.
 */
public final class TimingLoop {
    /** Warm-up has settled when the median of the last {@value} samples is within {@link #SETTLED} of the previous {@value}. */
    static final int WINDOW = 3;
    static final double SETTLED = 0.05;
    /** Bounds a host-clock group so that a clock that barely ticks cannot make it run for ever. */
    static final int MAX_CALLS_PER_SAMPLE = 1 << 20;
    static final double MIN_DEVICE_MS = 1e-4;
    /** Rounds between two checks of the target interval. */
    static final int CHECK_EVERY = 5;
    /** One call of the operation under test. */
    @FunctionalInterface
    public interface Call {
        /** Runs it once; returns its device time in ms, or empty to be timed by the host clock. */
        OptionalDouble run();
    }

    private TimingLoop() {
    }

    public static Samples measure(Call call, Timing timing) {
        long start = System.nanoTime();
        Warm w = warmUp(call, timing);
        int group = w.group();
        boolean device = w.device();

        double[] ms = new double[timing.maxSamples()];
        int n = 0;
        long measureStart = System.nanoTime();
        while (n < timing.maxSamples()) {
            long now = System.nanoTime();
            boolean enough = n >= timing.minSamples() && now - measureStart >= timing.minMeasure().toNanos()
                    && precise(timing, n, ms);
            boolean overdue = n >= 1 && now - start >= timing.maxCase().toNanos();
            if (enough || overdue) {
                break;
            }
            ms[n++] = sample(call, group, device);
        }
        return Samples.of(device ? Samples.DEVICE_EVENTS : Samples.HOST_CLOCK, group, Arrays.copyOf(ms, n));
    }

    /**
     * Several contenders on the same case, sampled in turn (A B C A B C ...) after each has warmed up
     * on its own, so that whatever else the machine does in a moment falls on all of them alike and
     * their ratio holds still even when their absolute times drift; each sample follows an untimed
     * call of its own. Measuring stops when every call
     * has {@code minSamples} and {@code minMeasure} has passed, at {@code maxSamples} rounds, or once
     * {@code maxCase} per call has passed.
     *
     * @return one Samples per call, in order
     */
    public static List<Samples> measureInterleaved(List<Call> calls, Timing timing) {
        int c = calls.size();
        if (c == 0) {
            throw new IllegalArgumentException("calls must not be empty");
        }
        if (c == 1) {
            return List.of(measure(calls.getFirst(), timing));
        }
        int[] group = new int[c];
        boolean[] device = new boolean[c];
        for (int k = 0; k < c; k++) {
            Warm w = warmUp(calls.get(k), timing);
            group[k] = w.group();
            device[k] = w.device();
        }
        double[][] ms = new double[c][timing.maxSamples()];
        int n = 0;
        long measureStart = System.nanoTime();
        long maxNanos = timing.maxCase().toNanos() * c;
        while (n < timing.maxSamples()) {
            long now = System.nanoTime();
            boolean enough = n >= timing.minSamples() && now - measureStart >= timing.minMeasure().toNanos() * c
                    && precise(timing, n, ms);
            boolean overdue = n >= 1 && now - measureStart >= maxNanos;
            if (enough || overdue) {
                break;
            }
            for (int k = 0; k < c; k++) {
                // An untimed lead-in call first: it wakes this contender's threads and brings its
                // operands back, so the sample times the op, not the hand-over from another
                // contender. No pause between contenders: on these VMs a core left idle for even
                // 2 ms wakes so slowly that every 2-thread contender measured as 1 thread.
                calls.get(k).run();
                ms[k][n] = sample(calls.get(k), group[k], device[k]);
            }
            n++;
        }
        List<Samples> out = new ArrayList<>(c);
        for (int k = 0; k < c; k++) {
            out.add(Samples.of(device[k] ? Samples.DEVICE_EVENTS : Samples.HOST_CLOCK, group[k], Arrays.copyOf(ms[k], n)));
        }
        return out;
    }

    /**
     * Whether the first {@code n} samples of every row of {@code ms} have their median's bootstrap
     * interval within {@code ±targetInterval}; always true without a target. Checked every
     * {@value #CHECK_EVERY} rounds, each check costing {@link Bootstrap#RESAMPLES} medians.
     */
    static boolean precise(Timing timing, int n, double[]... ms) {
        if (timing.targetInterval() == 0) {
            return true;
        }
        if (n % CHECK_EVERY != 0) {
            return false;
        }
        for (double[] row : ms) {
            double[] s = Arrays.copyOf(row, n);
            double median = Bootstrap.median(s.clone());
            if (Bootstrap.medianInterval(s).relativeHalfWidth(median) > timing.targetInterval()) {
                return false;
            }
        }
        return true;
    }

    /** How a warmed-up call is sampled: calls per host-clock sample, or by its device time. */
    private record Warm(int group, boolean device) {
    }

    /** The cold call and the warm-up: until the times settle, at least minWarmup, at most maxWarmup. */
    private static Warm warmUp(Call call, Timing timing) {
        long start = System.nanoTime();
        OptionalDouble cold = call.run();
        long coldNanos = Math.max(1, System.nanoTime() - start);
        boolean device = cold.isPresent();
        int group = device ? 1 : groupFor(coldNanos, timing);
        List<Double> warm = new ArrayList<>();
        while (true) {
            long elapsed = System.nanoTime() - start;
            if (elapsed >= timing.maxWarmup().toNanos()
                    || (elapsed >= timing.minWarmup().toNanos() && settled(warm))) {
                break;
            }
            warm.add(sample(call, group, device));
        }
        if (!device && !warm.isEmpty()) {
            // The cold call included compilation; size the groups on warm calls.
            group = groupFor((long) (median(warm.subList(Math.max(0, warm.size() - WINDOW), warm.size())) * 1e6),
                    timing);
        }
        return new Warm(group, device);
    }

    /** Calls per host-clock sample so that a sample lasts at least {@code minSample}. */
    static int groupFor(long nanosPerCall, Timing timing) {
        long perCall = Math.max(1, nanosPerCall);
        long calls = (timing.minSample().toNanos() + perCall - 1) / perCall;
        return (int) Math.clamp(calls, 1, MAX_CALLS_PER_SAMPLE);
    }

    private static double sample(Call call, int group, boolean device) {
        if (device) {
            OptionalDouble ms = call.run();
            if (ms.isEmpty()) {
                throw new IllegalStateException("a call that reported a device time once stopped reporting one");
            }
            // Events resolve about half a microsecond: a zero means "below that", not "free".
            return Math.max(ms.getAsDouble(), MIN_DEVICE_MS);
        }
        long start = System.nanoTime();
        for (int i = 0; i < group; i++) {
            call.run();
        }
        return Math.max(1, System.nanoTime() - start) / 1e6 / group;
    }

    private static boolean settled(List<Double> samples) {
        int n = samples.size();
        if (n < 2 * WINDOW) {
            return false;
        }
        double last = median(samples.subList(n - WINDOW, n));
        double before = median(samples.subList(n - 2 * WINDOW, n - WINDOW));
        return Math.abs(last - before) <= SETTLED * before;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
