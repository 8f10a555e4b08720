package dev.softmaxengine.testkit;

import dev.softmaxengine.api.SoftmaxKernel;

/** The suite against the oracle itself: proves the suite runs, and that the oracle keeps its own contract. */
class ScalarParityTest extends SoftmaxKernelParityTest {
    @Override
    protected SoftmaxKernel createKernel() {
        return BackendAssumptions.requireUsable("scalar", true).provider().create();
    }
}
