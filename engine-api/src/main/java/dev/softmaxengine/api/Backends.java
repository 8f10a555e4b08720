package dev.softmaxengine.api;

import dev.softmaxengine.api.spi.KernelProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Backend discovery. Providers are loaded with {@link ServiceLoader} and probed once per JVM;
 * {@code auto} takes the usable one with the highest rank, and every backend it passes over is
 * logged once with the reason. A backend forced by name ({@code -Dsoftmax.backend=...},
 * {@code SOFTMAX_BACKEND=...} or {@link #create(String)}) that is unusable is an error with that
 * reason, never a silent fallback.
 */
public final class Backends {
    /** System property that forces a backend. */
    public static final String PROPERTY = "softmax.backend";
    /** Environment variable that forces a backend when the property is absent. */
    public static final String ENV = "SOFTMAX_BACKEND";
    /** The name that picks the best usable backend. */
    public static final String AUTO = "auto";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    /**
     * One discovered backend and its probe.
     *
     * @param provider the provider as found by {@link ServiceLoader}, never null
     * @param probe the outcome of its one {@link KernelProvider#probe()}; a probe that threw is recorded
     *     here as unusable with the exception as reason
     */
    public record Status(KernelProvider provider, KernelProvider.Probe probe) {
        /**
         * The provider's name.
         *
         * @return the provider's unique lower-case name, e.g. {@code scalar}
         */
        public String name() {
            return provider.name();
        }
    }

    private Backends() {
    }

    private static final class Holder {
        static final List<Status> ALL = discover();
    }

    /** Separate from {@link Holder} so that listing backends logs nothing; choosing logs the pass-overs once. */
    private static final class AutoHolder {
        static final String CHOICE = chooseAuto(Holder.ALL);
    }

    private static List<Status> discover() {
        List<Status> all = new ArrayList<>();
        for (KernelProvider p : ServiceLoader.load(KernelProvider.class, Backends.class.getClassLoader())) {
            KernelProvider.Probe probe;
            try {
                probe = p.probe();
            } catch (RuntimeException | LinkageError e) {
                probe = KernelProvider.Probe.unusable("probe failed: " + e);
            }
            all.add(new Status(p, probe));
        }
        all.sort(Comparator.comparingInt((Status s) -> -s.probe().autoRank()).thenComparing(Status::name));
        return List.copyOf(all);
    }

    private static String chooseAuto(List<Status> all) {
        if (!VectorApi.available() && all.stream().anyMatch(s -> s.name().equals("simd"))) {
            // The one misconfiguration that costs ~25x silently: say which flags fix it, once.
            LOG.log(System.Logger.Level.WARNING, "softmax-engine: the simd backend needs the Vector API: add "
                    + VectorApi.FLAGS + " to the java command line (auto now picks "
                    + bestName(all) + ")");
        }
        Status best = best(all);
        for (Status s : all) {
            if (s == best) {
                continue;
            }
            String why = s.probe().usable()
                    ? "usable, but auto prefers " + (best == null ? "none" : best.name())
                    : s.probe().reason();
            LOG.log(System.Logger.Level.INFO, "softmax-engine: auto passed over " + s.name() + ": " + why);
        }
        if (best != null) {
            LOG.log(System.Logger.Level.INFO, "softmax-engine: auto picks " + best.name() + " ("
                    + String.join("; ", best.probe().devices()) + ")");
        }
        return best == null ? null : best.name();
    }

    /** The usable backend of highest rank: the first usable one, as {@link #all()} is best first. */
    private static Status best(List<Status> all) {
        for (Status s : all) {
            if (s.probe().usable()) {
                return s;
            }
        }
        return null;
    }

    private static String bestName(List<Status> all) {
        Status best = best(all);
        return best == null ? "none" : best.name();
    }

    /**
     * Every backend on the class path with its probe, best first.
     *
     * @return an immutable list, ordered by descending {@code autoRank} then by name, unusable
     *     backends included; empty when no provider is on the class path
     */
    public static List<Status> all() {
        return Holder.ALL;
    }

    /**
     * The backend {@code auto} resolves to.
     *
     * @return the name of the usable backend of highest rank
     * @throws IllegalStateException when no backend is usable, listing what was found
     */
    public static String autoChoice() {
        if (AutoHolder.CHOICE == null) {
            throw new IllegalStateException("no usable softmax-engine backend; found " + describe());
        }
        return AutoHolder.CHOICE;
    }

    /**
     * The backend the user asked for: {@code softmax.backend}, else {@code SOFTMAX_BACKEND}, else {@code auto}.
     *
     * @return the trimmed, lower-cased name (blank values count as absent), never null; not
     *     checked to name a known backend
     */
    public static String requested() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return p.trim().toLowerCase(Locale.ROOT);
        }
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) {
            return e.trim().toLowerCase(Locale.ROOT);
        }
        return AUTO;
    }

    /**
     * A kernel of the requested backend ({@link #requested()}), by default {@code auto}: the usable
     * backend of highest rank, CUDA, then OpenCL on a GPU, then simd, then OpenCL on a CPU; the scalar
     * reference kernel only as a last resort (it is about 25x slower than simd). Without the Vector
     * API flags ({@link VectorApi#FLAGS}) simd is unusable and a WARNING says so once. The caller
     * closes the kernel. {@link #report()} says what was found and why.
     *
     * @return a new kernel of the requested backend, which the caller closes
     * @throws IllegalArgumentException when the requested name is no known backend
     * @throws IllegalStateException when the requested backend is unusable here, or, for {@code auto},
     *     when no backend is usable
     */
    public static SoftmaxKernel create() {
        return create(requested());
    }

    /**
     * A kernel of the named backend, or of the best one for {@code auto}.
     *
     * @param name a backend name as listed by {@link #all()}, or {@code auto}; case and surrounding
     *     whitespace are ignored; null is an {@link IllegalArgumentException}
     * @return a new kernel, which the caller closes
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException when the named backend is unusable here, with the reason
     */
    public static SoftmaxKernel create(String name) {
        return status(name).provider().create();
    }

    /**
     * The status of the named backend ({@code auto} resolved), checked usable.
     *
     * @param name a backend name or {@code auto}; case and surrounding whitespace are ignored
     * @return the backend's status, whose probe is usable
     * @throws IllegalArgumentException when {@code name} is null or names no discovered backend
     * @throws IllegalStateException when the backend is unusable here (with the probe's reason), or, for
     *     {@code auto}, when no backend is usable
     */
    public static Status status(String name) {
        if (name == null) {
            throw new IllegalArgumentException("backend must not be null");
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals(AUTO)) {
            n = autoChoice();
        }
        for (Status s : all()) {
            if (s.name().equals(n)) {
                if (!s.probe().usable()) {
                    throw new IllegalStateException("backend " + n + " is not usable: " + s.probe().reason());
                }
                return s;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; found " + describe() + " (or auto)");
    }

    /**
     * What a user needs to see why {@code auto} picked what it did: the JVM, the Vector API and native
     * access, every backend with its rank, devices or the reason it is unusable, the choice and the
     * request. Several lines; meant for logs and the CLI's {@code info}.
     *
     * @return a multi-line, human-readable report ending in a line separator; never throws for an
     *     unusable or unknown requested backend, which it reports instead
     */
    public static String report() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(java.util.Locale.ROOT, "JVM         Java %s (%s, %s), %s %s, %d CPUs%n",
                Runtime.version(), System.getProperty("java.vendor"), System.getProperty("java.vm.name"),
                System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors()));
        b.append("Vector API  ").append(VectorApi.available() ? VectorApi.MODULE + " is in the module graph"
                : "absent: " + VectorApi.missingReason()).append(System.lineSeparator());
        b.append("Native      ").append(Backends.class.getModule().isNativeAccessEnabled()
                ? "native access enabled" : "native access not enabled for " + Backends.class.getModule()
                + " (add --enable-native-access=ALL-UNNAMED, or the module's name)").append(System.lineSeparator());
        b.append(System.lineSeparator()).append("Backends, best first:").append(System.lineSeparator());
        for (Status s : all()) {
            KernelProvider.Probe probe = s.probe();
            b.append(String.format(java.util.Locale.ROOT, "  %-8s %-9s rank %3d  %s%n", s.name(),
                    probe.usable() ? "usable" : "unusable", probe.autoRank(), probe.usable() ? "" : probe.reason()));
            for (String device : probe.devices()) {
                b.append(String.format(java.util.Locale.ROOT, "  %-8s %-9s           device: %s%n", "", "", device));
            }
        }
        b.append(System.lineSeparator());
        String choice = bestName(all());
        b.append("auto picks: ").append(choice.equals("none") ? "none: no usable backend" : choice)
                .append(System.lineSeparator());
        String requested = requested();
        b.append("requested:  ").append(requested).append(" (").append(requestSource()).append(')');
        if (!requested.equals(AUTO)) {
            try {
                status(requested);
                b.append(", usable");
            } catch (IllegalArgumentException | IllegalStateException e) {
                b.append(", but ").append(e.getMessage());
            }
        }
        return b.append(System.lineSeparator()).toString();
    }

    private static String requestSource() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return "from -D" + PROPERTY;
        }
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) {
            return "from " + ENV;
        }
        return "the default; force one with -D" + PROPERTY + "=NAME or " + ENV + "=NAME";
    }

    private static String describe() {
        List<String> names = new ArrayList<>();
        for (Status s : all()) {
            names.add(s.name() + (s.probe().usable() ? "" : " (unusable: " + s.probe().reason() + ")"));
        }
        return names.isEmpty() ? "no providers on the class path" : String.join(", ", names);
    }
}
