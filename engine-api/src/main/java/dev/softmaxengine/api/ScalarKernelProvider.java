package dev.softmaxengine.api;

import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.KernelProvider;

import java.util.List;

/** The scalar reference backend: always usable, the last resort for {@code auto}. */
public final class ScalarKernelProvider implements KernelProvider {
    /** Creates the provider; called by {@link java.util.ServiceLoader}, which needs a public no-arg constructor. */
    public ScalarKernelProvider() {
    }

    @Override
    public String name() {
        return ScalarSoftmaxKernel.NAME;
    }

    @Override
    public Probe probe() {
        return Probe.usable(100, List.of("CPU (reference, fp64 accumulation)"));
    }

    @Override
    public KernelBackend create() {
        return new ScalarSoftmaxKernel();
    }
}
