package dev.softmaxengine.cuda;

import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.SoftmaxKernel;

/** The CUDA backend: NVIDIA GPUs of compute capability 7.5 and newer, through the driver API. */
public final class CudaKernelProvider implements KernelProvider {
    @Override
    public String name() {
        return CudaSoftmaxKernel.NAME;
    }

    @Override
    public Probe probe() {
        return CudaDriver.probe();
    }

    /** A kernel on the first usable GPU. */
    @Override
    public KernelBackend create() {
        return new CudaSoftmaxKernel();
    }
}
