package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;

/**
 * Effective memory traffic of one call along the last axis: every input element read once, every
 * output element written once (softmax reads n and writes n elements, logsumexp reads n and writes
 * one per row). It counts what the op must move, not what the caches do, as STREAM counts its copy,
 * so a result and the copy ceiling divide alike. For softmax in float32 it is
 * {@link BenchShape#bytesPerCall()}, the figure the JMH benchmarks report.
 */
public final class Traffic {
    private Traffic() {
    }

    /** Bytes read plus bytes written by {@code op} on {@code shape} in {@code dtype}. */
    public static long bytes(Op op, DType dtype, BenchShape shape) {
        if (op == null || dtype == null || shape == null) {
            throw new IllegalArgumentException("op, dtype and shape must not be null");
        }
        if (op == Op.ARGMAX) {
            throw new IllegalArgumentException("op must write a " + dtype + " tensor; argmax writes int indices");
        }
        long written = op.isReducing() ? shape.rows() : shape.elements();
        return Math.multiplyExact(shape.elements() + written, (long) dtype.byteSize());
    }

    /** {@code bytes} moved in {@code ms} milliseconds, in GB/s (10^9 bytes per second). */
    public static double gigabytesPerSecond(long bytes, double ms) {
        if (!(ms > 0)) {
            throw new IllegalArgumentException("ms must be > 0, was " + ms);
        }
        return bytes / (ms * 1e6);
    }
}
