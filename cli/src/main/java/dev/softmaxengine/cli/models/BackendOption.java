package dev.softmaxengine.cli.models;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;

import picocli.CommandLine.Option;

/** The {@code --backend} option of every models command. */
final class BackendOption {
    @Option(names = "--backend", defaultValue = Backends.AUTO,
            description = "Kernel backend: auto, scalar, simd, opencl, cuda (default: ${DEFAULT-VALUE}; auto honours"
                    + " -Dsoftmax.backend and SOFTMAX_BACKEND).")
    String backend;

    /** A new kernel of the chosen backend; {@code auto} honours the property and the environment, any other name is forced. */
    SoftmaxKernel create() {
        return backend.trim().equalsIgnoreCase(Backends.AUTO) ? Backends.create() : Backends.create(backend);
    }
}
