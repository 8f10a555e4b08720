package dev.softmaxengine.opencl;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;
import org.jocl.cl_mem;

/**
 * Device memory of one {@link OpenClSoftmaxKernel}: a {@code cl_mem} in its context. Wrapped by
 * {@link Tensor#of(DeviceBuffer, long...)} it gives {@link dev.softmaxengine.api.DeviceTensor} tensors that kernel
 * computes on in place, with no host copy. Closing the kernel closes its buffers.
 */
public final class OpenClBuffer implements DeviceBuffer {
    private final OpenClSoftmaxKernel owner;
    private final DType dtype;
    private final long elements;
    // Guarded by the owner's lock; null once released.
    private cl_mem mem;

    OpenClBuffer(OpenClSoftmaxKernel owner, DType dtype, long elements, cl_mem mem) {
        this.owner = owner;
        this.dtype = dtype;
        this.elements = elements;
        this.mem = mem;
    }

    @Override
    public String backend() {
        return OpenClSoftmaxKernel.NAME;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long elements() {
        return elements;
    }

    /** The kernel whose context holds this memory. */
    OpenClSoftmaxKernel owner() {
        return owner;
    }

    /** The memory object, for interop within the owner's context. */
    public cl_mem mem() {
        synchronized (owner.lock()) {
            if (mem == null) {
                throw new IllegalStateException("buffer is closed");
            }
            return mem;
        }
    }

    /** Hands the memory object to the owner for release; null when already released. Caller holds the lock. */
    cl_mem detach() {
        cl_mem m = mem;
        mem = null;
        return m;
    }

    boolean isOpen() {
        synchronized (owner.lock()) {
            return mem != null;
        }
    }

    @Override
    public void write(Tensor src) {
        owner.write(this, src);
    }

    @Override
    public void read(Tensor dst) {
        owner.read(this, dst);
    }

    @Override
    public void close() {
        owner.release(this);
    }

    @Override
    public String toString() {
        return "OpenClBuffer[" + dtype + " x " + elements + "]";
    }
}
