package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.Tensor;

/**
 * What every backend's {@link DeviceBuffer} shares: its name, dtype and capacity, and the checks of
 * {@link #write} and {@link #read}, made once here before the backend's copy runs. Backends supply
 * only the copy and whether the memory is still open.
 */
public abstract class AbstractBuffer implements DeviceBuffer {
    private final String backend;
    private final DType dtype;
    private final long elements;

    /**
     * A buffer of {@code elements} elements of {@code dtype}, checked with {@link #byteSize}.
     *
     * @param backend the owning backend's name
     * @param dtype the element type, not null
     * @param elements the capacity, {@code >= 0}
     * @throws IllegalArgumentException for a null dtype, a negative size or one whose bytes overflow
     */
    protected AbstractBuffer(String backend, DType dtype, long elements) {
        byteSize(dtype, elements);
        this.backend = backend;
        this.dtype = dtype;
        this.elements = elements;
    }

    /**
     * The bytes of {@code elements} elements of {@code dtype}: the one allocation check every
     * backend's {@code allocate} makes before asking its device for memory.
     *
     * @param dtype the element type, not null
     * @param elements the element count, {@code >= 0}
     * @return {@code elements * dtype.byteSize()}
     * @throws IllegalArgumentException naming the argument that is null, negative or overflows
     */
    public static long byteSize(DType dtype, long elements) {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        if (elements < 0) {
            throw new IllegalArgumentException("elements must be >= 0, was " + elements);
        }
        try {
            return Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("elements " + elements + " of " + dtype + " overflows a byte count");
        }
    }

    @Override
    public final String backend() {
        return backend;
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    @Override
    public final long elements() {
        return elements;
    }

    @Override
    public final void write(Tensor src) {
        checkCopy("src", src);
        OpRequest.requireAccessible("src", src);
        copyFrom(src);
    }

    @Override
    public final void read(Tensor dst) {
        checkCopy("dst", dst);
        if (dst instanceof SegmentTensor s && s.segment().isReadOnly()) {
            throw new IllegalArgumentException("dst is a read-only segment");
        }
        OpRequest.requireAccessible("dst", dst);
        copyInto(dst);
    }

    /**
     * Whether the memory is still there.
     *
     * @return false once the buffer (or the kernel that owns it) is closed
     */
    protected abstract boolean isOpen();

    /**
     * Copies the checked host tensor {@code src} into the start of this buffer.
     *
     * @param src host memory of this dtype, at most {@link #elements()} long, accessible here
     */
    protected abstract void copyFrom(Tensor src);

    /**
     * Copies the start of this buffer into the checked host tensor {@code dst}, which it fills.
     *
     * @param dst writable host memory of this dtype, at most {@link #elements()} long, accessible here
     */
    protected abstract void copyInto(Tensor dst);

    private void checkCopy(String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (!isOpen()) {
            throw new IllegalStateException("buffer is closed");
        }
        if (!t.isHost()) {
            throw new IllegalArgumentException(name + " must be host memory, was " + t);
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(name + " has dtype " + t.dtype() + ", buffer holds " + dtype);
        }
        if (t.size() > elements) {
            throw new IllegalArgumentException(name + " has " + t.size() + " elements, buffer holds " + elements);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + backend + " " + dtype + " x " + elements
                + (isOpen() ? "" : ", closed") + "]";
    }
}
