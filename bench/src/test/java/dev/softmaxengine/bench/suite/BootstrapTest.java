package dev.softmaxengine.bench.suite;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The median's bootstrap interval: seeded, bracketing the median, as wide as the spread says. */
class BootstrapTest {
    private static double[] normal(long seed, int n, double mean, double sd) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: one normal per pair of uniforms.
            x[i] = mean + sd * Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
        }
        return x;
    }

    @Test
    void theSameSeedGivesTheSameIntervalAndAnotherSeedANearbyOne() {
        double[] x = normal(1, 101, 10, 1);
        assertEquals(Bootstrap.medianInterval(x), Bootstrap.medianInterval(x));
        Bootstrap.Interval a = Bootstrap.medianInterval(x, 2000, 0.95, 7);
        Bootstrap.Interval b = Bootstrap.medianInterval(x, 2000, 0.95, 8);
        assertEquals(a.low(), b.low(), 0.1);
        assertEquals(a.high(), b.high(), 0.1);
    }

    @Test
    void itBracketsTheMedianAndNarrowsWithMoreSamples() {
        double[] few = normal(2, 25, 10, 1);
        double[] many = normal(3, 400, 10, 1);
        Bootstrap.Interval f = Bootstrap.medianInterval(few);
        Bootstrap.Interval m = Bootstrap.medianInterval(many);
        double medianOfMany = Bootstrap.median(many.clone());
        assertTrue(m.low() <= medianOfMany && medianOfMany <= m.high(), m.toString());
        assertTrue(m.high() - m.low() < f.high() - f.low(), f + " vs " + m);
        // The standard error of a normal median is 1.2533 sd / sqrt(n): the 95% interval is about 3.9 of them wide.
        double expected = 2 * 1.96 * 1.2533 / Math.sqrt(400);
        assertEquals(expected, m.high() - m.low(), 0.5 * expected);
        assertTrue(m.relativeHalfWidth(medianOfMany) < 0.02, "400 samples of sd 10% pin the median within 2%");
    }

    @Test
    void identicalSamplesHaveAnIntervalOfZeroWidth() {
        Bootstrap.Interval i = Bootstrap.medianInterval(new double[] {3, 3, 3, 3});
        assertEquals(new Bootstrap.Interval(3, 3), i);
        assertEquals(0, i.relativeHalfWidth(3));
    }

    @Test
    void percentilesInterpolateBetweenRanks() {
        double[] sorted = {1, 2, 3, 4, 5};
        assertEquals(1, Bootstrap.percentileOfSorted(sorted, 0));
        assertEquals(2, Bootstrap.percentileOfSorted(sorted, 0.25));
        assertEquals(4.96, Bootstrap.percentileOfSorted(sorted, 0.99), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.percentileOfSorted(sorted, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.medianInterval(new double[0]));
    }

    @Test
    void theTimingLoopStopsOnlyWhenTheIntervalIsTightEnough() {
        Timing t = Timing.QUICK.withTargetInterval(0.02);
        double[] tight = normal(4, 200, 10, 0.1);
        double[] loose = normal(5, 200, 10, 5);
        assertTrue(TimingLoop.precise(t, 200, tight));
        assertTrue(!TimingLoop.precise(t, 200, tight, loose), "every contender must be tight");
        assertTrue(TimingLoop.precise(Timing.QUICK, 3, loose), "no target: always precise");
    }
}
