package dev.softmaxengine.simd;

import java.util.List;

import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.VectorApi;
import dev.softmaxengine.api.spi.KernelBackend;

/**
 * The SIMD backend's provider. The probe checks the module graph before touching any Vector API
 * class, so a JVM started without {@code --add-modules jdk.incubator.vector} gets a reason, not a
 * linkage error.
 */
public final class VectorKernelProvider implements KernelProvider {
    @Override
    public String name() {
        return VectorSoftmaxKernel.NAME;
    }

    @Override
    public Probe probe() {
        if (!VectorApi.available()) {
            return Probe.unusable(VectorApi.missingReason());
        }
        int lanes = FloatRows.L;
        if (lanes < 4) {
            return Probe.unusable("the preferred vector species has " + lanes + " float lanes; no SIMD worth using");
        }
        return Probe.usable(200, List.of("CPU " + FloatRows.S.vectorBitSize() + "-bit vectors, "
                + VectorSoftmaxKernel.defaultThreads() + " threads"));
    }

    @Override
    public KernelBackend create() {
        return new VectorSoftmaxKernel();
    }
}
