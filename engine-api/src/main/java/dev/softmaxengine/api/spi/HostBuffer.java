package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The CPU backends' {@link DeviceBuffer}: off-heap memory in a shared arena, 64-byte aligned so
 * vector loads never split a cache line. Its tensors are plain host segments.
 */
public final class HostBuffer implements DeviceBuffer {
    private final String backend;
    private final DType dtype;
    private final long elements;
    private final Arena arena;
    private final MemorySegment segment;

    /**
     * Allocates {@code elements} zeroed elements of {@code dtype} for the backend named {@code backend}.
     *
     * @param backend the owning backend's name, reported by {@link #backend()}; not checked
     * @param dtype the element type, not null
     * @param elements the capacity in elements, {@code >= 0}
     * @throws IllegalArgumentException for a negative or overflowing size, or more memory than the
     *     process can get
     */
    public HostBuffer(String backend, DType dtype, long elements) {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        if (elements < 0) {
            throw new IllegalArgumentException("elements must be >= 0, was " + elements);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("elements " + elements + " of " + dtype + " overflows a byte count");
        }
        this.backend = backend;
        this.dtype = dtype;
        this.elements = elements;
        this.arena = Arena.ofShared();
        try {
            this.segment = arena.allocate(bytes, 64);
        } catch (OutOfMemoryError e) {
            // Off-heap memory the OS refuses is a property of the request, not a JVM failure: the
            // heap is intact, so the caller can carry on with a smaller size.
            arena.close();
            throw new IllegalArgumentException("elements = " + elements + " of " + dtype + " need " + bytes
                    + " bytes of off-heap memory, more than this process can allocate (" + e.getMessage() + ")");
        }
    }

    /**
     * The memory; invalid (access throws) once the buffer is closed.
     *
     * @return the whole buffer, {@code elements() * dtype().byteSize()} bytes, 64-byte aligned, usable
     *     from any thread
     */
    public MemorySegment segment() {
        return segment;
    }

    /** The memory, present: a host buffer's tensors are plain segments. */
    @Override
    public Optional<MemorySegment> hostSegment() {
        return Optional.of(segment);
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long elements() {
        return elements;
    }

    @Override
    public void write(Tensor src) {
        checkCopy("src", src);
        copy(src, Tensor.of(this, src.shape().dims()));
    }

    @Override
    public void read(Tensor dst) {
        checkCopy("dst", dst);
        copy(Tensor.of(this, dst.shape().dims()), dst);
    }

    private void checkCopy(String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (!arena.scope().isAlive()) {
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

    private static void copy(Tensor from, Tensor to) {
        MemorySegment.copy(from.asHostSegment(), 0, to.asHostSegment(), 0, from.size() * from.dtype().byteSize());
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "HostBuffer[" + backend + " " + dtype + " x " + elements + "]";
    }
}
