package dev.softmaxengine.testkit;

import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.SoftmaxKernel;

/** A backend whose hardware is never present: lets BackendAssumptionsTest see both skip and failure. */
public final class UnusableKernelProvider implements KernelProvider {
    static final String NAME = "testkit-unusable";
    static final String REASON = "no testkit device on this host";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Probe probe() {
        return Probe.unusable(REASON);
    }

    @Override
    public KernelBackend create() {
        throw new IllegalStateException(NAME + " is never usable: " + REASON);
    }
}
