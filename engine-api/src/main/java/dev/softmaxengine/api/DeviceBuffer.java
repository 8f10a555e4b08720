package dev.softmaxengine.api;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Memory owned by one backend, where its kernels read and write without a host round trip: device
 * memory for CUDA and OpenCL, off-heap host memory for the CPU backends. Obtained from
 * {@link SoftmaxKernel#allocate}; wrap it with {@link Tensor#of(DeviceBuffer, long...)} to pass it
 * to that kernel. Chained calls on buffers of one kernel keep the data where it is.
 *
 * <p>A buffer is closed exactly once by its owner; use after close is an
 * {@link IllegalStateException}. Not safe for concurrent writes from several threads.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** The backend that owns this memory ({@link SoftmaxKernel#backend()}). */
    String backend();

    /** The element type. */
    DType dtype();

    /** Capacity in elements. */
    long elements();

    /**
     * Copies a host tensor (array or segment) into the start of this buffer.
     *
     * @throws IllegalArgumentException when {@code src} is not host memory, has another dtype, or
     *     has more elements than this buffer
     */
    void write(Tensor src);

    /**
     * Copies the start of this buffer into a host tensor, which it fills.
     *
     * @throws IllegalArgumentException when {@code dst} is not host memory, has another dtype, or
     *     has more elements than this buffer
     */
    void read(Tensor dst);

    /**
     * The memory as a host segment, for buffers the CPU can address (those of the CPU backends):
     * their tensors are plain segments any backend can use. Empty for device memory.
     */
    default Optional<MemorySegment> hostSegment() {
        return Optional.empty();
    }

    /** Releases the memory. Idempotent. */
    @Override
    void close();
}
