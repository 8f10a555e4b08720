package dev.softmaxengine.cuda;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;

import jcuda.driver.CUdeviceptr;

/**
 * Device memory of one {@link CudaSoftmaxKernel} ({@code cuMemAlloc}); its tensors are
 * {@link dev.softmaxengine.api.DeviceTensor} views that only that kernel computes on. Copies go through the
 * kernel's pinned staging on its stream. Closed by its owner, or with the kernel.
 */
final class CudaBuffer implements DeviceBuffer {
    private final CudaSoftmaxKernel kernel;
    private final DType dtype;
    private final long elements;
    private CUdeviceptr pointer;

    CudaBuffer(CudaSoftmaxKernel kernel, DType dtype, long elements, CUdeviceptr pointer) {
        this.kernel = kernel;
        this.dtype = dtype;
        this.elements = elements;
        this.pointer = pointer;
    }

    CudaSoftmaxKernel kernel() {
        return kernel;
    }

    /** The device address; call under the kernel's lock. */
    CUdeviceptr pointer() {
        if (pointer == null) {
            throw new IllegalStateException("buffer is closed");
        }
        return pointer;
    }

    boolean isClosed() {
        return pointer == null;
    }

    /** Forgets the address once the kernel has freed it. */
    CUdeviceptr release() {
        CUdeviceptr p = pointer;
        pointer = null;
        return p;
    }

    @Override
    public String backend() {
        return CudaSoftmaxKernel.NAME;
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
        kernel.upload(this, src);
    }

    @Override
    public void read(Tensor dst) {
        checkCopy("dst", dst);
        kernel.download(this, dst);
    }

    private void checkCopy(String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(name + " must not be null");
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
    public void close() {
        kernel.free(this);
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + dtype + " x " + elements + (isClosed() ? ", closed" : "") + "]";
    }
}
