package dev.softmaxengine.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A view of a dense row-major tensor: a {@link Shape}, a {@link DType} and the memory holding the
 * elements. The memory is one of a Java array ({@link ArrayTensor}), a {@link MemorySegment}
 * ({@link SegmentTensor}) or a backend's device memory ({@link DeviceTensor}). Views do not copy;
 * the element count is checked against the memory when a view is made.
 *
 * <p>Kernels read host tensors through {@link #asHostSegment()}, the one place where an array
 * becomes a segment.
 */
public sealed interface Tensor permits HostTensor, DeviceTensor {

    /** Segment layout of float32 elements: native order (the engine is little-endian only), unaligned. */
    ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Segment layout of float64 elements: native order, unaligned. */
    ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** Segment layout of int32 elements: native order, unaligned. */
    ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    /** Segment layout of bfloat16 and float16 elements (their bits): native order, unaligned. */
    ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /**
     * The element type.
     *
     * @return the dtype of every element
     */
    DType dtype();

    /**
     * The dimensions.
     *
     * @return the shape, row-major
     */
    Shape shape();

    /**
     * The number of elements: the product of the dimensions.
     *
     * @return the element count, {@code >= 0} (1 for rank 0)
     */
    default long size() {
        return shape().size();
    }

    /**
     * True for arrays and segments: memory the CPU can address.
     *
     * @return true for {@link ArrayTensor} and {@link SegmentTensor}, false for {@link DeviceTensor}
     */
    boolean isHost();

    /**
     * The same memory viewed with another shape of equal size.
     *
     * @param newShape the new dimensions, whose product must equal {@link #size()}
     * @return a view of the same kind over the same memory; writes through either view are seen by the other
     * @throws IllegalArgumentException when {@code newShape} is null, has a negative dimension, or holds
     *     a different number of elements
     */
    Tensor reshape(long... newShape);

    /**
     * The elements as a segment of exactly {@code size() * dtype().byteSize()} bytes: arrays become
     * heap segments (no copy), segments are returned as they are.
     *
     * @return the elements, in native byte order
     * @throws IllegalArgumentException for device memory, which the host cannot address
     */
    MemorySegment asHostSegment();

    /**
     * Element {@code i} (row-major) of a host tensor, widened to double. For oracles and tests, not hot loops.
     *
     * @param i the row-major index, in {@code [0, size())}
     * @return the element; exact for every dtype
     * @throws IllegalArgumentException for device memory
     * @throws IndexOutOfBoundsException when {@code i} is out of range
     * @throws IllegalStateException when a segment's arena is closed or confined to another thread
     */
    default double get(long i) {
        MemorySegment s = asHostSegment();
        return switch (dtype()) {
            case FLOAT32 -> s.getAtIndex(F32, i);
            case FLOAT64 -> s.getAtIndex(F64, i);
            case INT32 -> s.getAtIndex(I32, i);
            case BFLOAT16, FLOAT16 -> Half.toFloat(dtype(), s.getAtIndex(I16, i));
        };
    }

    /**
     * Sets element {@code i} of a host tensor, rounding to the dtype (int32: toward zero; the
     * floating dtypes: once, to nearest, ties to even).
     *
     * @param i the row-major index, in {@code [0, size())}
     * @param v the value; for INT32, NaN becomes 0 and out-of-range values saturate
     * @throws IllegalArgumentException for device memory
     * @throws IndexOutOfBoundsException when {@code i} is out of range
     * @throws IllegalStateException when a segment's arena is closed or confined to another thread
     */
    default void set(long i, double v) {
        MemorySegment s = asHostSegment();
        switch (dtype()) {
            case FLOAT32 -> s.setAtIndex(F32, i, (float) v);
            case FLOAT64 -> s.setAtIndex(F64, i, v);
            case INT32 -> s.setAtIndex(I32, i, (int) v);
            case BFLOAT16, FLOAT16 -> s.setAtIndex(I16, i, Half.fromDouble(dtype(), v));
        }
    }

    /**
     * A float32 tensor over {@code data}; {@code data.length} must equal the shape's size.
     *
     * @param data the elements, row-major; not copied, so the tensor sees later writes
     * @param shape the dimensions; none gives a rank-0 tensor of one element
     * @return a FLOAT32 view of {@code data}
     * @throws IllegalArgumentException when {@code data} or {@code shape} is null, a dimension is
     *     negative, or the sizes differ
     */
    static ArrayTensor of(float[] data, long... shape) {
        return new ArrayTensor(DType.FLOAT32, requireData(data), data.length, Checks.shape(shape));
    }

    /**
     * A float64 tensor over {@code data}; {@code data.length} must equal the shape's size.
     *
     * @param data the elements, row-major; not copied, so the tensor sees later writes
     * @param shape the dimensions; none gives a rank-0 tensor of one element
     * @return a FLOAT64 view of {@code data}
     * @throws IllegalArgumentException when {@code data} or {@code shape} is null, a dimension is
     *     negative, or the sizes differ
     */
    static ArrayTensor of(double[] data, long... shape) {
        return new ArrayTensor(DType.FLOAT64, requireData(data), data.length, Checks.shape(shape));
    }

    /**
     * An int32 tensor over {@code data} (argmax's output); {@code data.length} must equal the shape's size.
     *
     * @param data the elements, row-major; not copied, so the tensor sees later writes
     * @param shape the dimensions; none gives a rank-0 tensor of one element
     * @return an INT32 view of {@code data}
     * @throws IllegalArgumentException when {@code data} or {@code shape} is null, a dimension is
     *     negative, or the sizes differ
     */
    static ArrayTensor of(int[] data, long... shape) {
        return new ArrayTensor(DType.INT32, requireData(data), data.length, Checks.shape(shape));
    }

    /**
     * A bfloat16 or float16 tensor over {@code bits}, the elements' bit patterns (as a model's
     * weights or logits are loaded: bfloat16 is the top half of a float's bits, float16 as
     * {@link Float#floatToFloat16(float)} gives it); {@code bits.length} must equal the shape's size.
     * {@link Half} converts single values.
     *
     * @param bits the elements' bits, row-major; not copied, so the tensor sees later writes
     * @param dtype {@link DType#BFLOAT16} or {@link DType#FLOAT16}
     * @param shape the dimensions; none gives a rank-0 tensor of one element
     * @return a view of {@code bits} in {@code dtype}
     * @throws IllegalArgumentException when an argument is null, {@code dtype} is not a 16-bit dtype,
     *     a dimension is negative, or the sizes differ
     */
    static ArrayTensor of(short[] bits, DType dtype, long... shape) {
        if (bits == null) {
            throw new IllegalArgumentException("bits must not be null");
        }
        if (dtype == null || !dtype.isHalf()) {
            throw new IllegalArgumentException("dtype must be BFLOAT16 or FLOAT16 for a short[], was " + dtype);
        }
        return new ArrayTensor(dtype, bits, bits.length, Checks.shape(shape));
    }

    /**
     * A rank-1 float32 tensor over all of {@code data}.
     *
     * @param data the elements; not copied
     * @return a FLOAT32 view of shape {@code [data.length]}
     * @throws IllegalArgumentException when {@code data} is null
     */
    static ArrayTensor vector(float[] data) {
        return of(data, requireData(data).length);
    }

    /**
     * A rank-1 float64 tensor over all of {@code data}.
     *
     * @param data the elements; not copied
     * @return a FLOAT64 view of shape {@code [data.length]}
     * @throws IllegalArgumentException when {@code data} is null
     */
    static ArrayTensor vector(double[] data) {
        return of(data, requireData(data).length);
    }

    /**
     * A tensor over the first {@code shape.size() * dtype.byteSize()} bytes of {@code segment}
     * (native byte order, no alignment assumed). The segment may be longer, never shorter.
     *
     * @param segment the memory, heap or off-heap; not copied, and its scope is not checked here
     * @param dtype the element type
     * @param shape the dimensions
     * @return a view over a slice of exactly the bytes the shape needs
     * @throws IllegalArgumentException when an argument is null, a dimension is negative, the byte
     *     count overflows a {@code long}, or {@code segment} is too short
     */
    static SegmentTensor of(MemorySegment segment, DType dtype, long... shape) {
        if (segment == null) {
            throw new IllegalArgumentException("segment must not be null");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        Shape s = Checks.shape(shape);
        long bytes = Checks.byteSize(s, dtype);
        if (segment.byteSize() < bytes) {
            throw new IllegalArgumentException("segment has " + segment.byteSize() + " bytes, shape " + s
                    + " of " + dtype + " needs " + bytes);
        }
        return new SegmentTensor(dtype, s, segment.asSlice(0, bytes), null);
    }

    /**
     * A tensor over the first {@code shape.size()} elements of a backend's buffer. Host buffers (those
     * of the CPU backends, {@link DeviceBuffer#hostSegment()}) give a {@link SegmentTensor} usable by
     * any backend; other buffers give a {@link DeviceTensor}, usable by the kernel that made them.
     *
     * @param buffer the buffer, of its own dtype; the view stays valid only while it is open
     * @param shape the dimensions, whose element count is at most {@link DeviceBuffer#elements()}
     * @return a {@link SegmentTensor} or a {@link DeviceTensor} over the buffer's first elements
     * @throws IllegalArgumentException when {@code buffer} or {@code shape} is null, a dimension is
     *     negative, or the shape needs more elements than the buffer holds
     */
    static Tensor of(DeviceBuffer buffer, long... shape) {
        if (buffer == null) {
            throw new IllegalArgumentException("buffer must not be null");
        }
        Shape s = Checks.shape(shape);
        if (s.size() > buffer.elements()) {
            throw new IllegalArgumentException("buffer has " + buffer.elements() + " elements, shape " + s
                    + " needs " + s.size());
        }
        var host = buffer.hostSegment();
        if (host.isPresent()) {
            return new SegmentTensor(buffer.dtype(), s, host.get().asSlice(0, Checks.byteSize(s, buffer.dtype())), buffer);
        }
        return new DeviceTensor(buffer, s);
    }

    /** How the memory of two tensors relates. */
    enum Overlap {
        /** No element in common. */
        DISJOINT,
        /** Exactly the same elements: an in-place call. */
        SAME,
        /** Some elements in common, not all. */
        PARTIAL
    }

    /**
     * Whether {@code a} and {@code b} share memory: exactly the same elements, partly, or not at all.
     *
     * @param a one tensor, not null
     * @param b the other tensor, not null
     * @return {@link Overlap#SAME} for views of exactly the same bytes (an array and a heap segment
     *     over it included), {@link Overlap#PARTIAL} for any other shared byte, else
     *     {@link Overlap#DISJOINT}; device memory never overlaps host memory, and an empty host
     *     tensor overlaps nothing
     */
    static Overlap overlap(Tensor a, Tensor b) {
        if (a instanceof DeviceTensor da) {
            // Device views always start at the buffer's first element.
            return b instanceof DeviceTensor db && da.buffer() == db.buffer()
                    ? (a.size() == b.size() ? Overlap.SAME : Overlap.PARTIAL)
                    : Overlap.DISJOINT;
        }
        if (b instanceof DeviceTensor) {
            return Overlap.DISJOINT;
        }
        // An array and a heap segment over it are the same memory, so compare as segments.
        MemorySegment x = a.asHostSegment();
        MemorySegment y = b.asHostSegment();
        if (x.asOverlappingSlice(y).isEmpty()) {
            return Overlap.DISJOINT;
        }
        boolean same = x.address() == y.address()
                && x.byteSize() == y.byteSize()
                && x.isNative() == y.isNative()
                && x.heapBase().equals(y.heapBase());
        return same ? Overlap.SAME : Overlap.PARTIAL;
    }

    private static <T> T requireData(T data) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        return data;
    }
}
