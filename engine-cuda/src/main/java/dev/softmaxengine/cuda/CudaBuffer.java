package dev.softmaxengine.cuda;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.spi.AbstractBuffer;
import dev.softmaxengine.api.Tensor;

import jcuda.driver.CUdeviceptr;

/**
 * Device memory of one {@link CudaSoftmaxKernel} ({@code cuMemAlloc}); its tensors are
 * {@link dev.softmaxengine.api.DeviceTensor} views that only that kernel computes on. Copies go through the
 * kernel's pinned staging on its stream. Closed by its owner, or with the kernel.
 */
final class CudaBuffer extends AbstractBuffer {
    private final CudaSoftmaxKernel kernel;
    private CUdeviceptr pointer;

    CudaBuffer(CudaSoftmaxKernel kernel, DType dtype, long elements, CUdeviceptr pointer) {
        super(CudaSoftmaxKernel.NAME, dtype, elements);
        this.kernel = kernel;
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
    protected boolean isOpen() {
        return !isClosed();
    }

    @Override
    protected void copyFrom(Tensor src) {
        kernel.upload(this, src);
    }

    @Override
    protected void copyInto(Tensor dst) {
        kernel.download(this, dst);
    }

    @Override
    public void close() {
        kernel.free(this);
    }
}
