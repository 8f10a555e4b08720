package dev.softmaxengine.opencl;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.SoftmaxKernelParityTest;

/** The shared parity suite on the best OpenCL device; CI (PoCL) must have one. */
class OpenClParityTest extends SoftmaxKernelParityTest {
    private OpenClSoftmaxKernel kernel;

    @Override
    protected SoftmaxKernel createKernel() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
        kernel = new OpenClSoftmaxKernel();
        return kernel;
    }

    @Override
    protected boolean supports(DType dtype) {
        return dtype != DType.FLOAT64 || kernel.supportsFp64();
    }
}
