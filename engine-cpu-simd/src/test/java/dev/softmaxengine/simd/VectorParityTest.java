package dev.softmaxengine.simd;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.SoftmaxKernelParityTest;

/** The shared parity suite on the SIMD backend with two threads, so the parallel paths run too. */
class VectorParityTest extends SoftmaxKernelParityTest {
    @Override
    protected SoftmaxKernel createKernel() {
        return new VectorSoftmaxKernel(2);
    }
}
