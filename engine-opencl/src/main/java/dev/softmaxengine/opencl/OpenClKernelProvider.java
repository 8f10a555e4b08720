package dev.softmaxengine.opencl;

import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.KernelProvider;
import dev.softmaxengine.api.SoftmaxKernel;
import java.util.Optional;

/**
 * The {@code opencl} backend. Its probe lists every platform and device it found; {@code auto}
 * ranks it 300 on a GPU (above SIMD's 200) and 150 on a CPU device such as PoCL's, where the JVM's
 * own vector code is the better choice.
 */
public final class OpenClKernelProvider implements KernelProvider {
    static final int GPU_RANK = 300;
    static final int CPU_RANK = 150;

    @Override
    public String name() {
        return OpenClSoftmaxKernel.NAME;
    }

    @Override
    public Probe probe() {
        OpenClPlatforms.Discovery d = OpenClPlatforms.discovery();
        if (d.failure() != null) {
            return Probe.unusable(d.failure());
        }
        Optional<OpenClDevice> best = d.best();
        if (best.isEmpty()) {
            String reason = d.devices().isEmpty() ? "OpenCL platforms report no devices"
                    : "no usable OpenCL device: " + String.join("; ", d.lines());
            return new Probe(false, reason, 0, d.lines());
        }
        return Probe.usable(best.get().isGpu() ? GPU_RANK : CPU_RANK, d.lines());
    }

    @Override
    public KernelBackend create() {
        return new OpenClSoftmaxKernel();
    }
}
