package dev.softmaxengine.simd;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.SoftmaxKernelParityTest;

/** The shared parity suite on the SIMD backend's single-threaded path. */
class VectorSingleThreadParityTest extends SoftmaxKernelParityTest {
    @Override
    protected SoftmaxKernel createKernel() {
        return new VectorSoftmaxKernel(1);
    }
}
