package dev.softmaxengine.cuda;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.testkit.BackendAssumptions;
import dev.softmaxengine.testkit.SelectionParityTest;

/** The top-k and sample suite on the first GPU; skipped with the probe's reason where there is none. */
class CudaSelectionParityTest extends SelectionParityTest {
    @Override
    protected SoftmaxKernel createKernel() {
        BackendAssumptions.requireUsable(CudaSoftmaxKernel.NAME, false);
        return new CudaSoftmaxKernel();
    }
}
