package dev.softmaxengine.testkit;

import dev.softmaxengine.api.SoftmaxKernel;

/** The top-k and sample suite against the oracle itself: its distribution tests check the oracle. */
class ScalarSelectionParityTest extends SelectionParityTest {
    @Override
    protected SoftmaxKernel createKernel() {
        return BackendAssumptions.requireUsable("scalar", true).provider().create();
    }
}
