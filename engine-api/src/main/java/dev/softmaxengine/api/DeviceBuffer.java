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

    /**
     * The backend that owns this memory ({@link SoftmaxKernel#backend()}).
     *
     * @return the owning backend's name, e.g. {@code cuda}
     */
    String backend();

    /**
     * The element type.
     *
     * @return the dtype of every element, fixed at allocation
     */
    DType dtype();

    /**
     * Capacity in elements.
     *
     * @return the number of elements allocated, {@code >= 0}; views may use fewer
     */
    long elements();

    /**
     * Copies a host tensor (array or segment) into the start of this buffer.
     *
     * @param src the host tensor to copy, of this buffer's dtype; its {@code size()} elements go to
     *     the buffer's first elements, the rest of the buffer is left as it is
     * @throws IllegalStateException when this buffer is closed
     * @throws IllegalArgumentException when {@code src} is not host memory, has another dtype, or
     *     has more elements than this buffer
     */
    void write(Tensor src);

    /**
     * Copies the start of this buffer into a host tensor, which it fills.
     *
     * @param dst the host tensor to fill, of this buffer's dtype; receives the buffer's first
     *     {@code dst.size()} elements
     * @throws IllegalStateException when this buffer is closed
     * @throws IllegalArgumentException when {@code dst} is not host memory, has another dtype, or
     *     has more elements than this buffer
     */
    void read(Tensor dst);

    /**
     * The memory as a host segment, for buffers the CPU can address (those of the CPU backends):
     * their tensors are plain segments any backend can use. Empty for device memory.
     *
     * @return the whole buffer as a segment, present only for CPU-addressable memory; this default
     *     returns empty
     */
    default Optional<MemorySegment> hostSegment() {
        return Optional.empty();
    }

    /** Releases the memory. Idempotent. */
    @Override
    void close();
}
