package dev.softmaxengine.api;

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
    public static final String AUTO = "auto";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    /** One discovered backend and its probe. */
    public record Status(KernelProvider provider, KernelProvider.Probe probe) {
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
        Status best = null;
        for (Status s : all) {
            if (s.probe().usable() && (best == null || s.probe().autoRank() > best.probe().autoRank())) {
                best = s;
            }
        }
        for (Status s : all) {
            if (s == best) {
                continue;
            }
            String why = s.probe().usable()
                    ? "usable, but auto prefers " + (best == null ? "none" : best.name())
                    : s.probe().reason();
            LOG.log(System.Logger.Level.INFO, "softmax-engine: auto passed over " + s.name() + ": " + why);
        }
        return best == null ? null : best.name();
    }

    /** Every backend on the class path with its probe, best first. */
    public static List<Status> all() {
        return Holder.ALL;
    }

    /** The backend {@code auto} resolves to. */
    public static String autoChoice() {
        if (AutoHolder.CHOICE == null) {
            throw new IllegalStateException("no usable softmax-engine backend; found " + describe());
        }
        return AutoHolder.CHOICE;
    }

    /** The backend the user asked for: {@code softmax.backend}, else {@code SOFTMAX_BACKEND}, else {@code auto}. */
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

    /** A kernel of the requested backend ({@link #requested()}). */
    public static SoftmaxKernel create() {
        return create(requested());
    }

    /**
     * A kernel of the named backend, or of the best one for {@code auto}.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException when the named backend is unusable here, with the reason
     */
    public static SoftmaxKernel create(String name) {
        return status(name).provider().create();
    }

    /** The status of the named backend ({@code auto} resolved), checked usable. */
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

    private static String describe() {
        List<String> names = new ArrayList<>();
        for (Status s : all()) {
            names.add(s.name() + (s.probe().usable() ? "" : " (unusable: " + s.probe().reason() + ")"));
        }
        return names.isEmpty() ? "no providers on the class path" : String.join(", ", names);
    }
}
