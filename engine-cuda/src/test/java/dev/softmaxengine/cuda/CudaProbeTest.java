package dev.softmaxengine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxEngineException;
import dev.softmaxengine.api.spi.KernelProvider;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

import org.junit.jupiter.api.Test;

/** The probe never crashes the JVM, and says why CUDA is unusable where it is. */
class CudaProbeTest {

    @SuppressWarnings("restricted")
    private static boolean libcudaLoads() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(CudaDriver.LIBCUDA, arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void reportsWhyItIsUnusableOrListsTheGpus() {
        KernelProvider.Probe probe = new CudaKernelProvider().probe();
        if (!libcudaLoads()) {
            assertFalse(probe.usable());
            assertEquals("no libcuda.so.1 on this host (no NVIDIA driver)", probe.reason());
            assertTrue(probe.devices().isEmpty());
        } else if (probe.usable()) {
            assertEquals(400, probe.autoRank());
            assertFalse(probe.devices().isEmpty());
        } else {
            assertFalse(probe.reason().isBlank());
        }
        assertEquals(probe, new CudaKernelProvider().probe(), "probing twice gives the same answer");
    }

    @Test
    void discoveryListsCudaWithoutCrashing() {
        Backends.Status cuda = Backends.all().stream().filter(s -> s.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("cuda is not registered in META-INF/services: " + Backends.all()));
        assertTrue(Backends.all().stream().anyMatch(s -> s.name().equals("scalar")));
        if (!cuda.probe().usable()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create("cuda"));
            assertTrue(e.getMessage().contains(cuda.probe().reason()), "a forced unusable backend fails with its reason: "
                    + e.getMessage());
            assertFalse(Backends.autoChoice().equals("cuda"));
        }
    }

    @Test
    void kernelWithoutADriverFailsWithTheReason() {
        assumeFalse(new CudaKernelProvider().probe().usable(), "this host has a usable GPU");
        SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class, CudaSoftmaxKernel::new);
        assertTrue(e.getMessage().startsWith(CudaDriver.PREFIX + "cannot load JCuda"), e.getMessage());
    }
}
