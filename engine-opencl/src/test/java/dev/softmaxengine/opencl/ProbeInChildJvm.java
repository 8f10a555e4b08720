package dev.softmaxengine.opencl;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.spi.KernelProvider;

/** Run by {@link OpenClKernelProviderTest} in a child JVM whose environment hides the OpenCL drivers. */
public final class ProbeInChildJvm {
    private ProbeInChildJvm() {
    }

    public static void main(String[] args) {
        KernelProvider.Probe probe = new OpenClKernelProvider().probe();
        System.out.println("usable " + probe.usable());
        System.out.println("reason " + probe.reason());
        try {
            Backends.create(OpenClSoftmaxKernel.NAME).close();
            System.out.println("forced: created");
        } catch (IllegalStateException e) {
            System.out.println("forced IllegalStateException: " + e.getMessage());
        }
    }
}
