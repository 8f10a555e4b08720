package dev.softmaxengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class BackendAssumptionsTest {

    @Test
    void usableBackendIsReturnedEverywhere() {
        assertEquals("scalar", BackendAssumptions.requireUsable(" Scalar ", true, true).name());
        assertEquals("scalar", BackendAssumptions.requireUsable("scalar", false, false).name());
    }

    @Test
    void unusableBackendSkipsWithItsReasonOutsideCi() {
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> BackendAssumptions.requireUsable(UnusableKernelProvider.NAME, true, false));
        assertTrue(e.getMessage().contains(UnusableKernelProvider.REASON), e.getMessage());
    }

    @Test
    void unusableBackendSkipsInCiWhenCiNeedNotRunIt() {
        assertThrows(TestAbortedException.class, () -> BackendAssumptions.requireUsable(UnusableKernelProvider.NAME, false, true));
    }

    @Test
    void unusableBackendFailsInCiWhenCiMustRunIt() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> BackendAssumptions.requireUsable(UnusableKernelProvider.NAME, true, true));
        assertTrue(e.getMessage().contains(UnusableKernelProvider.REASON), e.getMessage());
        assertTrue(e.getMessage().contains("CI=true"), e.getMessage());
    }

    @Test
    void missingProviderFailsNamingWhatWasFound() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> BackendAssumptions.requireUsable("no-such-backend", false, false));
        assertTrue(e.getMessage().contains("no-such-backend") && e.getMessage().contains("scalar"), e.getMessage());
    }

    @Test
    void blankNameIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendAssumptions.requireUsable(" ", true));
        assertTrue(e.getMessage().contains("backendName"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BackendAssumptions.requireUsable(null, true));
    }
}
