package dev.softmaxengine.cli;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code info}: the JVM, every backend found, why the unusable ones are unusable, and what {@code auto} picks. */
@Command(name = "info",
        mixinStandardHelpOptions = true,
        description = "Lists every backend on the class path: usable or not and why, its devices, its rank for"
                + " auto, and the backend auto picks.")
final class InfoCommand implements Callable<Integer> {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "softmax-engine %s%n", SoftmaxEngineCli.Version.version());
        out.printf(Locale.ROOT, "JVM         Java %s (%s, %s), %s %s, %d CPUs%n", Runtime.version(),
                System.getProperty("java.vendor"), System.getProperty("java.vm.name"), System.getProperty("os.name"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "Vector API  %s%n", ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent()
                ? VECTOR_MODULE + " is in the module graph"
                : "absent: run java with --add-modules " + VECTOR_MODULE);
        out.println();
        out.println("Backends, best first:");
        for (Backends.Status s : Backends.all()) {
            var probe = s.probe();
            out.printf(Locale.ROOT, "  %-8s %-9s rank %3d  %s%n", s.name(), probe.usable() ? "usable" : "unusable",
                    probe.autoRank(), probe.usable() ? kernelDevice(s) : probe.reason());
            for (String device : probe.devices()) {
                out.printf(Locale.ROOT, "  %-8s %-9s           device: %s%n", "", "", device);
            }
        }
        out.println();
        out.println("auto picks: " + autoChoice());
        String requested = Backends.requested();
        out.println("requested:  " + requested + " (" + requestSource() + ")"
                + (requested.equals(Backends.AUTO) ? "" : requestedStatus(requested)));
        return 0;
    }

    /** The kernel's own description, which for simd names the preferred vector species. */
    private static String kernelDevice(Backends.Status s) {
        try (SoftmaxKernel k = s.provider().create()) {
            return "kernel: " + k.device();
        } catch (RuntimeException | LinkageError e) {
            return "usable by its probe, but creating a kernel failed: " + SoftmaxEngineCli.oneLine(e);
        }
    }

    /** What auto resolves to, or why nothing is usable. */
    static String autoChoice() {
        try {
            return Backends.autoChoice();
        } catch (IllegalStateException e) {
            return "none: " + e.getMessage();
        }
    }

    private static String requestSource() {
        String p = System.getProperty(Backends.PROPERTY);
        if (p != null && !p.isBlank()) {
            return "from -D" + Backends.PROPERTY;
        }
        String e = System.getenv(Backends.ENV);
        if (e != null && !e.isBlank()) {
            return "from " + Backends.ENV;
        }
        return "the default; force one with --backend, -D" + Backends.PROPERTY + " or " + Backends.ENV;
    }

    private static String requestedStatus(String requested) {
        try {
            Backends.status(requested);
            return ", usable";
        } catch (IllegalArgumentException | IllegalStateException e) {
            return ", but " + e.getMessage();
        }
    }
}
