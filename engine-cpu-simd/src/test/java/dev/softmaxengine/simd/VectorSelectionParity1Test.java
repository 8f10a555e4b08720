package dev.softmaxengine.simd;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.SelectionParityTest;

/** The top-k and sample suite on the SIMD backend with 1 thread: the draws may not depend on the split. */
class VectorSelectionParity1Test extends SelectionParityTest {
    @Override
    protected SoftmaxKernel createKernel() {
        return new VectorSoftmaxKernel(1);
    }
}
