package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;

/**
 * Effective memory traffic of one call along the last axis: every input element read once, every
 * output element written once (softmax reads n and writes n elements, logsumexp reads n and writes
 * one per row). It counts what the op must move, not what the caches do, as STREAM counts its copy,
 * so a result and the copy ceiling divide alike. For softmax in float32 it is
 * {@link BenchShape#bytesPerCall()}, the figure the JMH benchmarks report. Top-k reads the row once
 * and writes k values (the input's dtype) and k INT32 indices per row; sample reads the row once and
 * writes one INT32 index per row. Whatever a contender does beyond that (torch's sort and cumsum, the
 * int64 indices of ONNX Runtime's TopK) is its own cost, not counted as traffic.
 */
public final class Traffic {
    private Traffic() {
    }

    /**
     * Bytes read plus bytes written by {@code op} on {@code shape} in {@code dtype}; not for top-k,
     * whose output depends on its k ({@link #bytes(Op, DType, BenchShape, int)}).
     */
    public static long bytes(Op op, DType dtype, BenchShape shape) {
        if (op == Op.TOP_K) {
            throw new IllegalArgumentException("top-k's traffic depends on its k: use bytes(op, dtype, shape, k)");
        }
        return bytes(op, dtype, shape, 0);
    }

    /** Bytes read plus bytes written by {@code op} on {@code shape} in {@code dtype}, top-k with {@code k}. */
    public static long bytes(Op op, DType dtype, BenchShape shape, int k) {
        if (op == null || dtype == null || shape == null) {
            throw new IllegalArgumentException("op, dtype and shape must not be null");
        }
        if (op == Op.ARGMAX) {
            throw new IllegalArgumentException("op must write a " + dtype + " tensor; argmax writes int indices");
        }
        long read = Math.multiplyExact(shape.elements(), (long) dtype.byteSize());
        return switch (op) {
            case TOP_K -> {
                if (k < 1 || k > shape.cols()) {
                    throw new IllegalArgumentException("k must be in [1, " + shape.cols() + "] for top-k of " + shape
                            + ", was " + k);
                }
                yield read + Math.multiplyExact(shape.rows() * k, (long) dtype.byteSize() + Integer.BYTES);
            }
            case SAMPLE -> read + shape.rows() * Integer.BYTES;
            default -> read + Math.multiplyExact(op.isReducing() ? shape.rows() : shape.elements(),
                    (long) dtype.byteSize());
        };
    }

    /** {@code bytes} moved in {@code ms} milliseconds, in GB/s (10^9 bytes per second). */
    public static double gigabytesPerSecond(long bytes, double ms) {
        if (!(ms > 0)) {
            throw new IllegalArgumentException("ms must be > 0, was " + ms);
        }
        return bytes / (ms * 1e6);
    }
}
