package dev.softmaxengine.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A view of a dense row-major tensor: a {@link Shape}, a {@link DType} and the memory holding the
 * elements, which is one of a Java array, an off-heap {@link MemorySegment} or a backend's
 * {@link DeviceBuffer}. The view does not copy; its element count is checked against the memory
 * when it is made.
 */
public final class Tensor {

    /** Where the elements live. */
    public enum Storage {
        FLOAT_ARRAY,
        DOUBLE_ARRAY,
        /** Off-heap or heap {@link MemorySegment}, native byte order, no alignment assumed. */
        SEGMENT,
        /** A backend's device memory. */
        DEVICE
    }

    /** Segment element layouts: native order (the engine is little-endian only), unaligned. */
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    public static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private final Storage storage;
    private final DType dtype;
    private final Shape shape;
    private final float[] floats;
    private final double[] doubles;
    private final MemorySegment segment;
    private final DeviceBuffer buffer;

    private Tensor(Storage storage, DType dtype, Shape shape, float[] floats, double[] doubles,
                   MemorySegment segment, DeviceBuffer buffer) {
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.floats = floats;
        this.doubles = doubles;
        this.segment = segment;
        this.buffer = buffer;
    }

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("softmax-engine supports little-endian hosts only");
        }
    }

    /** A float32 tensor over {@code data}; {@code data.length} must equal the shape's size. */
    public static Tensor of(float[] data, long... shape) {
        requireData(data);
        Shape s = shapeOf(shape);
        requireLength(data.length, s);
        return new Tensor(Storage.FLOAT_ARRAY, DType.FLOAT32, s, data, null, null, null);
    }

    /** A float64 tensor over {@code data}; {@code data.length} must equal the shape's size. */
    public static Tensor of(double[] data, long... shape) {
        requireData(data);
        Shape s = shapeOf(shape);
        requireLength(data.length, s);
        return new Tensor(Storage.DOUBLE_ARRAY, DType.FLOAT64, s, null, data, null, null);
    }

    /** A rank-1 float32 tensor over all of {@code data}. */
    public static Tensor vector(float[] data) {
        return of(data, requireData(data).length);
    }

    /** A rank-1 float64 tensor over all of {@code data}. */
    public static Tensor vector(double[] data) {
        return of(data, requireData(data).length);
    }

    /**
     * A tensor over the first {@code shape.size() * dtype.byteSize()} bytes of {@code segment}
     * (native byte order). The segment may be longer, never shorter.
     */
    public static Tensor of(MemorySegment segment, DType dtype, long... shape) {
        if (segment == null) {
            throw new IllegalArgumentException("segment must not be null");
        }
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        Shape s = shapeOf(shape);
        long bytes = byteSize(s, dtype);
        if (segment.byteSize() < bytes) {
            throw new IllegalArgumentException("segment has " + segment.byteSize() + " bytes, shape " + s
                    + " of " + dtype + " needs " + bytes);
        }
        return new Tensor(Storage.SEGMENT, dtype, s, null, null, segment.asSlice(0, bytes), null);
    }

    /**
     * A tensor over the first {@code shape.size()} elements of a backend's buffer. Buffers made by
     * the CPU backends are host memory and become {@link Storage#SEGMENT} views usable by any
     * backend; other buffers are {@link Storage#DEVICE} and usable by the kernel that made them.
     */
    public static Tensor of(DeviceBuffer buffer, long... shape) {
        if (buffer == null) {
            throw new IllegalArgumentException("buffer must not be null");
        }
        Shape s = shapeOf(shape);
        if (s.size() > buffer.elements()) {
            throw new IllegalArgumentException("buffer has " + buffer.elements() + " elements, shape " + s
                    + " needs " + s.size());
        }
        if (buffer instanceof HostBuffer host) {
            return new Tensor(Storage.SEGMENT, host.dtype(), s, null, null,
                    host.segment().asSlice(0, byteSize(s, host.dtype())), host);
        }
        return new Tensor(Storage.DEVICE, buffer.dtype(), s, null, null, null, buffer);
    }

    private static <T> T requireData(T data) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        return data;
    }

    private static Shape shapeOf(long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        return Shape.of(shape);
    }

    private static void requireLength(int length, Shape s) {
        if (length != s.size()) {
            throw new IllegalArgumentException("data has " + length + " elements, shape " + s + " needs " + s.size());
        }
    }

    private static long byteSize(Shape s, DType dtype) {
        try {
            return Math.multiplyExact(s.size(), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + s + " of " + dtype + " overflows a byte count");
        }
    }

    /** The same memory viewed with another shape of equal size. */
    public Tensor reshape(long... newShape) {
        Shape s = shapeOf(newShape);
        if (s.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " elements) to " + s);
        }
        return new Tensor(storage, dtype, s, floats, doubles, segment, buffer);
    }

    public Storage storage() {
        return storage;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    public long size() {
        return shape.size();
    }

    /** True for arrays and segments: memory the CPU can address. */
    public boolean isHost() {
        return storage != Storage.DEVICE;
    }

    /** The backing array of a {@link Storage#FLOAT_ARRAY} tensor. */
    public float[] floatArray() {
        if (floats == null) {
            throw new IllegalStateException("tensor is " + storage + ", not FLOAT_ARRAY");
        }
        return floats;
    }

    /** The backing array of a {@link Storage#DOUBLE_ARRAY} tensor. */
    public double[] doubleArray() {
        if (doubles == null) {
            throw new IllegalStateException("tensor is " + storage + ", not DOUBLE_ARRAY");
        }
        return doubles;
    }

    /** The backing segment of a {@link Storage#SEGMENT} tensor, exactly {@code size * byteSize} long. */
    public MemorySegment segment() {
        if (segment == null) {
            throw new IllegalStateException("tensor is " + storage + ", not SEGMENT");
        }
        return segment;
    }

    /** The buffer of a {@link Storage#DEVICE} tensor (or of a SEGMENT view made from a host buffer), else null. */
    public DeviceBuffer buffer() {
        return buffer;
    }

    /** Element {@code i} (row-major) of a host tensor, widened to double. For oracles and tests, not hot loops. */
    public double get(long i) {
        return switch (storage) {
            case FLOAT_ARRAY -> floats[Math.toIntExact(i)];
            case DOUBLE_ARRAY -> doubles[Math.toIntExact(i)];
            case SEGMENT -> dtype == DType.FLOAT32
                    ? segment.getAtIndex(F32, i)
                    : segment.getAtIndex(F64, i);
            case DEVICE -> throw new IllegalStateException("tensor is on device " + buffer.backend() + "; read() it to the host first");
        };
    }

    /** Sets element {@code i} of a host tensor, rounding to the dtype. */
    public void set(long i, double v) {
        switch (storage) {
            case FLOAT_ARRAY -> floats[Math.toIntExact(i)] = (float) v;
            case DOUBLE_ARRAY -> doubles[Math.toIntExact(i)] = v;
            case SEGMENT -> {
                if (dtype == DType.FLOAT32) {
                    segment.setAtIndex(F32, i, (float) v);
                } else {
                    segment.setAtIndex(F64, i, v);
                }
            }
            case DEVICE -> throw new IllegalStateException("tensor is on device " + buffer.backend() + "; write() it from the host");
        }
    }

    /** How the memory of two tensors relates. */
    public enum Overlap { DISJOINT, SAME, PARTIAL }

    /** Whether {@code a} and {@code b} share memory: exactly the same elements, partly, or not at all. */
    public static Overlap overlap(Tensor a, Tensor b) {
        if (a.storage != b.storage) {
            // An array and a heap segment over it are the same memory.
            return a.isHost() && b.isHost()
                    ? segmentOverlap(HostBuffer.hostSegment(a), HostBuffer.hostSegment(b))
                    : Overlap.DISJOINT;
        }
        return switch (a.storage) {
            case FLOAT_ARRAY -> a.floats == b.floats ? sameOrPartial(a, b) : Overlap.DISJOINT;
            case DOUBLE_ARRAY -> a.doubles == b.doubles ? sameOrPartial(a, b) : Overlap.DISJOINT;
            case SEGMENT -> segmentOverlap(a.segment, b.segment);
            // Device views always start at the buffer's first element.
            case DEVICE -> a.buffer == b.buffer ? sameOrPartial(a, b) : Overlap.DISJOINT;
        };
    }

    private static Overlap segmentOverlap(MemorySegment a, MemorySegment b) {
        if (a.asOverlappingSlice(b).isEmpty()) {
            return Overlap.DISJOINT;
        }
        boolean same = a.address() == b.address()
                && a.byteSize() == b.byteSize()
                && a.isNative() == b.isNative()
                && a.heapBase().equals(b.heapBase());
        return same ? Overlap.SAME : Overlap.PARTIAL;
    }

    private static Overlap sameOrPartial(Tensor a, Tensor b) {
        return a.size() == b.size() ? Overlap.SAME : Overlap.PARTIAL;
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + shape + " " + storage + "]";
    }
}
