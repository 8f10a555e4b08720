package dev.softmaxengine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BackendsTest {
    private String savedProperty;

    @BeforeEach
    void saveProperty() {
        savedProperty = System.getProperty(Backends.PROPERTY);
    }

    @AfterEach
    void restoreProperty() {
        if (savedProperty == null) {
            System.clearProperty(Backends.PROPERTY);
        } else {
            System.setProperty(Backends.PROPERTY, savedProperty);
        }
    }

    @Test
    void theScalarBackendIsFoundThroughServiceLoader() {
        Backends.Status scalar = Backends.all().stream().filter(s -> s.name().equals("scalar")).findFirst().orElseThrow();
        assertTrue(scalar.provider() instanceof ScalarKernelProvider);
        assertTrue(scalar.probe().usable());
        assertEquals(100, scalar.probe().autoRank());
        assertEquals(1, scalar.probe().devices().size());
    }

    @Test
    void autoTakesTheOnlyBackendOnThisClassPath() {
        assertEquals("scalar", Backends.autoChoice());
        try (SoftmaxKernel k = Backends.create("auto")) {
            assertEquals("scalar", k.backend());
        }
    }

    @Test
    void namesIgnoreCaseAndSpace() {
        try (SoftmaxKernel k = Backends.create("  Scalar ")) {
            assertTrue(k instanceof ScalarSoftmaxKernel);
        }
        assertEquals("scalar", Backends.status("SCALAR").name());
    }

    @Test
    void anUnknownNameIsAnErrorListingWhatWasFound() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("quantum"));
        assertTrue(e.getMessage().startsWith("unknown backend 'quantum'") && e.getMessage().contains("scalar"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.create(null));
        assertEquals("backend must not be null", e.getMessage());
    }

    @Test
    void theRequestedBackendComesFromTheProperty() {
        System.setProperty(Backends.PROPERTY, "  CUDA ");
        assertEquals("cuda", Backends.requested());
        System.setProperty(Backends.PROPERTY, "scalar");
        try (SoftmaxKernel k = Backends.create()) {
            assertEquals("scalar", k.backend());
        }
        System.setProperty(Backends.PROPERTY, "quantum");
        assertThrows(IllegalArgumentException.class, Backends::create);
    }

    @Test
    void withoutPropertyOrEnvironmentTheRequestIsAuto() {
        String env = System.getenv(Backends.ENV);
        assumeTrue(env == null || env.isBlank(), Backends.ENV + " is set in this environment");
        System.clearProperty(Backends.PROPERTY);
        assertEquals(Backends.AUTO, Backends.requested());
        System.setProperty(Backends.PROPERTY, " ");
        assertEquals(Backends.AUTO, Backends.requested());
    }
}
