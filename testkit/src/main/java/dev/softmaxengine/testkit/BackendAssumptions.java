package dev.softmaxengine.testkit;

import dev.softmaxengine.api.Backends;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Hardware gates for backend tests. A backend that cannot run here is skipped with its probe's
 * reason, except in CI ({@code CI=true}) for the backends CI must run, where it is a failure: a
 * CI image that lost its OpenCL runtime must not pass by skipping.
 */
public final class BackendAssumptions {
    /** Environment variable that CI systems set to {@code true}. */
    public static final String CI_ENV = "CI";

    private BackendAssumptions() {
    }

    /**
     * The status of {@code backendName}, checked usable. Call it from
     * {@link SoftmaxKernelParityTest#createKernel()} or a {@code @BeforeAll}.
     *
     * @param requiredInCi whether an unusable backend fails the build when {@code CI=true}
     */
    /**
     * Skips the test with {@code why} unless {@code condition} holds; in CI ({@code CI=true}) a false
     * condition fails instead, for prerequisites CI must provide (a compiler, a runtime).
     *
     * @param condition whether the prerequisite is here
     * @param why what is missing, for the skip or failure message
     */
    public static void requireInCi(boolean condition, String why) {
        if (condition) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv(CI_ENV))) {
            Assertions.fail(why + " (" + CI_ENV + "=true: CI must provide it)");
        }
        org.junit.jupiter.api.Assumptions.abort(why);
    }

    public static Backends.Status requireUsable(String backendName, boolean requiredInCi) {
        return requireUsable(backendName, requiredInCi, "true".equalsIgnoreCase(System.getenv(CI_ENV)));
    }

    static Backends.Status requireUsable(String backendName, boolean requiredInCi, boolean inCi) {
        if (backendName == null || backendName.isBlank()) {
            throw new IllegalArgumentException("backendName must not be blank, was " + backendName);
        }
        String name = backendName.trim().toLowerCase(Locale.ROOT);
        List<String> found = new ArrayList<>();
        for (Backends.Status s : Backends.all()) {
            if (!s.name().equals(name)) {
                found.add(s.name());
                continue;
            }
            if (s.probe().usable()) {
                return s;
            }
            String why = "backend " + name + " is not usable here: " + s.probe().reason();
            if (inCi && requiredInCi) {
                return Assertions.fail(why + " (" + CI_ENV + "=true and CI must run " + name + ")");
            }
            // Surefire shows a class aborted in @BeforeAll as "Tests run: 0" without the reason.
            System.err.println("skipped: " + why);
            return Assumptions.abort(why);
        }
        // A test module whose own provider is missing is misconfigured, not short of hardware.
        return Assertions.fail("no backend named " + name + " on the class path (check META-INF/services); found " + found);
    }
}
