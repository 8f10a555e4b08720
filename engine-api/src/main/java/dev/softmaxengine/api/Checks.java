package dev.softmaxengine.api;

import java.nio.ByteOrder;

/** Argument checks shared by the tensor views. */
final class Checks {
    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("softmax-engine supports little-endian hosts only");
        }
    }

    private Checks() {
    }

    /** A checked copy of a dimension list. */
    static Shape shape(long[] dims) {
        if (dims == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        return Shape.of(dims);
    }

    /** {@code newShape} checked to hold as many elements as {@code shape}. */
    static Shape reshaped(Shape shape, long[] newShape) {
        Shape s = shape(newShape);
        if (s.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " elements) to " + s);
        }
        return s;
    }

    /** Bytes of {@code s}'s elements of {@code dtype}, or an exception naming the overflow. */
    static long byteSize(Shape s, DType dtype) {
        try {
            return Math.multiplyExact(s.size(), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + s + " of " + dtype + " overflows a byte count");
        }
    }
}
