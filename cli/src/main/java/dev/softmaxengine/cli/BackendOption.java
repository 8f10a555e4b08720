package dev.softmaxengine.cli;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;

import picocli.CommandLine.Option;

/** The {@code --backend} option of every command that runs a kernel (a picocli mixin). */
public final class BackendOption {
    @Option(names = "--backend", defaultValue = Backends.AUTO,
            description = "Kernel backend: auto, scalar, simd, opencl, cuda (default: ${DEFAULT-VALUE}; auto honours"
                    + " -Dsoftmax.backend and SOFTMAX_BACKEND).")
    String backend = Backends.AUTO;

    /** A new kernel of the chosen backend; {@code auto} honours the property and the environment, any other name is forced. */
    public SoftmaxKernel create() {
        return backend.trim().equalsIgnoreCase(Backends.AUTO) ? Backends.create() : Backends.create(backend);
    }
}
