package dev.softmaxengine.bench;

/**
 * A benchmarked matrix {@code [rows, cols]}, softmax along the rows, written {@code "4096x256"}
 * in JMH parameters.
 */
public record BenchShape(long rows, long cols) {
    /** Effective memory traffic per element: one fp32 read and one fp32 write. */
    public static final int BYTES_PER_ELEMENT = 2 * Float.BYTES;

    public BenchShape {
        if (rows <= 0) {
            throw new IllegalArgumentException("rows must be > 0, was " + rows);
        }
        if (cols <= 0) {
            throw new IllegalArgumentException("cols must be > 0, was " + cols);
        }
        if (rows > Long.MAX_VALUE / BYTES_PER_ELEMENT / cols) {
            throw new IllegalArgumentException("shape " + rows + "x" + cols + " overflows a byte count");
        }
    }

    /** Parses {@code "<rows>x<cols>"}. */
    public static BenchShape parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        String[] parts = text.trim().split("x", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape must be <rows>x<cols> (e.g. 4096x256), was '" + text + "'");
        }
        try {
            return new BenchShape(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape must be <rows>x<cols> (e.g. 4096x256), was '" + text + "'");
        }
    }

    public long elements() {
        return rows * cols;
    }

    /** Bytes one softmax call moves at the effective rate, the numerator of GB/s. */
    public long bytesPerCall() {
        return elements() * BYTES_PER_ELEMENT;
    }

    @Override
    public String toString() {
        return rows + "x" + cols;
    }
}
