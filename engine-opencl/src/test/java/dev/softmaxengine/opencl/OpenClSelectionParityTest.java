package dev.softmaxengine.opencl;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.SelectionParityTest;

/** The top-k and sample suite on the best OpenCL device; CI (PoCL) must have one. */
class OpenClSelectionParityTest extends SelectionParityTest {
    private OpenClSoftmaxKernel kernel;

    @Override
    protected SoftmaxKernel createKernel() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
        kernel = new OpenClSoftmaxKernel();
        return kernel;
    }

    /** Sample computes in fp64 whatever the input, so a device without it runs only float32 top-k. */
    @Override
    protected boolean supports(DType dtype) {
        return kernel.supportsFp64();
    }
}
