package dev.softmaxengine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Device memory for operands staged from the host, and for workspaces: grows to the largest size
 * asked of it and is then reused, so steady-state calls allocate nothing. Used under the owning
 * kernel's lock, with its context current.
 */
final class DeviceScratch implements AutoCloseable {
    private final String what;
    private final CUstream stream;
    private CUdeviceptr pointer;
    private long capacity;

    DeviceScratch(String what, CUstream stream) {
        this.what = what;
        this.stream = stream;
    }

    /** At least {@code bytes} of device memory; the old contents are lost when it grows. */
    CUdeviceptr ensure(long bytes) {
        if (pointer == null || bytes > capacity) {
            // Work still queued on the stream may use the old allocation.
            CudaDriver.check("cuStreamSynchronize", () -> JCudaDriver.cuStreamSynchronize(stream));
            close();
            long size = Math.max(bytes, LaunchPlan.BASE_ALIGNMENT);
            CUdeviceptr p = new CUdeviceptr();
            CudaDriver.check("cuMemAlloc(" + size + " bytes for " + what + ")", () -> JCudaDriver.cuMemAlloc(p, size));
            pointer = p;
            capacity = size;
        }
        return pointer;
    }

    long capacity() {
        return capacity;
    }

    @Override
    public void close() {
        if (pointer != null) {
            CUdeviceptr p = pointer;
            pointer = null;
            capacity = 0;
            CudaDriver.check("cuMemFree(" + what + ")", () -> JCudaDriver.cuMemFree(p));
        }
    }
}
