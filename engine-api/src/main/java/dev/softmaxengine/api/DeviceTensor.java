package dev.softmaxengine.api;

import java.lang.foreign.MemorySegment;

/** A tensor over the first {@code size()} elements of a backend's device memory. */
public final class DeviceTensor implements Tensor {
    private final DeviceBuffer buffer;
    private final Shape shape;

    DeviceTensor(DeviceBuffer buffer, Shape shape) {
        this.buffer = buffer;
        this.shape = shape;
    }

    @Override
    public DType dtype() {
        return buffer.dtype();
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public boolean isHost() {
        return false;
    }

    @Override
    public DeviceTensor reshape(long... newShape) {
        Shape s = Checks.reshaped(shape, newShape);
        return new DeviceTensor(buffer, s);
    }

    @Override
    public MemorySegment asHostSegment() {
        throw new IllegalArgumentException("tensor is device memory of backend " + buffer.backend()
                + "; read() it to the host first");
    }

    /**
     * The device memory.
     *
     * @return the buffer this view reads, whose first {@code size()} elements it covers
     */
    public DeviceBuffer buffer() {
        return buffer;
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype() + " " + shape + " on " + buffer.backend() + "]";
    }
}
