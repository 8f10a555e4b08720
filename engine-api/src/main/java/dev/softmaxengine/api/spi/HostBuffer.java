package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The CPU backends' {@link dev.softmaxengine.api.DeviceBuffer}: off-heap memory in a shared arena, 64-byte aligned so
 * vector loads never split a cache line. Its tensors are plain host segments.
 */
public final class HostBuffer extends AbstractBuffer {
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
        super(backend, dtype, elements);
        long bytes = byteSize(dtype, elements);
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
    protected boolean isOpen() {
        return arena.scope().isAlive();
    }

    @Override
    protected void copyFrom(Tensor src) {
        MemorySegment.copy(src.asHostSegment(), 0, segment, 0, src.size() * dtype().byteSize());
    }

    @Override
    protected void copyInto(Tensor dst) {
        MemorySegment.copy(segment, 0, dst.asHostSegment(), 0, dst.size() * dtype().byteSize());
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
