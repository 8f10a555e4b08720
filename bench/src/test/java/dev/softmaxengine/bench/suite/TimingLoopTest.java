package dev.softmaxengine.bench.suite;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which clock the loop reads, how many samples it takes, and how it stops. No timing assertions. */
class TimingLoopTest {
    private static final Timing SHORT = new Timing(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(2),
            4, 1000, Duration.ofNanos(20_000), Duration.ofSeconds(5));

    @Test
    void deviceTimesAreTakenAsReported() {
        Samples s = TimingLoop.measure(() -> OptionalDouble.of(0.25), SHORT);
        assertEquals(Samples.DEVICE_EVENTS, s.clock());
        assertEquals(1, s.callsPerSample());
        assertTrue(s.count() >= SHORT.minSamples());
        assertEquals(0.25, s.minMs());
        assertEquals(0.25, s.maxMs());
    }

    @Test
    void hostTimedCallsAreGroupedAndOrdered() {
        AtomicInteger calls = new AtomicInteger();
        Samples s = TimingLoop.measure(() -> {
            calls.incrementAndGet();
            return OptionalDouble.empty();
        }, SHORT);
        assertEquals(Samples.HOST_CLOCK, s.clock());
        assertTrue(s.count() >= SHORT.minSamples() && s.count() <= SHORT.maxSamples(), s.toString());
        assertTrue(s.minMs() <= s.medianMs() && s.medianMs() <= s.maxMs(), s.toString());
        assertTrue(calls.get() >= s.count() * s.callsPerSample(), calls + " calls for " + s);
    }

    @Test
    void aDeviceClockThatStopsIsAnError() {
        AtomicInteger calls = new AtomicInteger();
        var e = assertThrows(IllegalStateException.class, () -> TimingLoop.measure(
                () -> calls.getAndIncrement() < 3 ? OptionalDouble.of(1) : OptionalDouble.empty(), SHORT));
        assertTrue(e.getMessage().contains("device time"), e.getMessage());
    }

    @Test
    void aCasePastItsLimitStopsAfterOneSample() {
        Timing limited = new Timing(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), 5, 10, Duration.ZERO,
                Duration.ofMillis(1));
        AtomicInteger calls = new AtomicInteger();
        Samples s = TimingLoop.measure(() -> {
            calls.incrementAndGet();
            sleep(3);
            return OptionalDouble.empty();
        }, limited);
        assertEquals(1, s.count());
        assertEquals(2, calls.get(), "one cold call and one sample");
    }

    @Test
    void groupsLastAtLeastTheMinimumSample() {
        assertEquals(20, TimingLoop.groupFor(1_000, SHORT));
        assertEquals(1, TimingLoop.groupFor(1_000_000, SHORT));
        assertEquals(TimingLoop.MAX_CALLS_PER_SAMPLE, TimingLoop.groupFor(0,
                new Timing(Duration.ZERO, Duration.ZERO, Duration.ZERO, 1, 1, Duration.ofSeconds(10), Duration.ZERO)));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
