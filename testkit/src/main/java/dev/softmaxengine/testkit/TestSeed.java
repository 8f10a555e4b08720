package dev.softmaxengine.testkit;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The seed of every randomized test: {@code -Dtests.seed=N} when set, else random, printed once per
 * JVM so that a failure can be rerun. Each test derives its own stream from the seed and a label, so
 * its data does not depend on which other tests ran before it.
 */
public final class TestSeed {
    /** System property holding the seed; empty or absent means random. */
    public static final String PROPERTY = "tests.seed";

    private TestSeed() {
    }

    private static final class Holder {
        static final long SEED = init();
    }

    private static long init() {
        String p = System.getProperty(PROPERTY);
        long seed;
        if (p == null || p.isBlank()) {
            seed = ThreadLocalRandom.current().nextLong();
        } else {
            try {
                seed = Long.parseLong(p.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PROPERTY + " must be a long, was '" + p + "'", e);
            }
        }
        System.out.println(PROPERTY + "=" + seed + " (rerun with -D" + PROPERTY + "=" + seed + ")");
        return seed;
    }

    /** The seed of this JVM's run. */
    public static long value() {
        return Holder.SEED;
    }

    /** A generator for one test case, a function of the seed and {@code label} only. */
    public static SplittableRandom random(String label) {
        if (label == null) {
            throw new IllegalArgumentException("label must not be null");
        }
        return new SplittableRandom(value() + 0x9E3779B97F4A7C15L * label.hashCode());
    }
}
