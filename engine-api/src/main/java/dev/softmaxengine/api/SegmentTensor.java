package dev.softmaxengine.api;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A tensor over a {@link MemorySegment}, off-heap or heap, in native byte order with no alignment
 * assumed. The segment is exactly {@code size() * dtype().byteSize()} bytes long.
 */
public final class SegmentTensor extends HostTensor {
    private final MemorySegment segment;
    private final DeviceBuffer buffer;

    SegmentTensor(DType dtype, Shape shape, MemorySegment segment, DeviceBuffer buffer) {
        super(dtype, shape);
        this.segment = segment;
        this.buffer = buffer;
    }

    @Override
    public SegmentTensor reshape(long... newShape) {
        Shape s = Checks.reshaped(shape, newShape);
        return new SegmentTensor(dtype, s, segment, buffer);
    }

    @Override
    public MemorySegment asHostSegment() {
        return segment;
    }

    /**
     * The segment (the same as {@link #asHostSegment()}).
     *
     * @return the segment of exactly {@code size() * dtype().byteSize()} bytes this view covers
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The host buffer this view was made from ({@link Tensor#of(DeviceBuffer, long...)}), if any.
     *
     * @return the buffer, or empty for a view made from a segment directly
     */
    public Optional<DeviceBuffer> buffer() {
        return Optional.ofNullable(buffer);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + shape + " segment]";
    }
}
