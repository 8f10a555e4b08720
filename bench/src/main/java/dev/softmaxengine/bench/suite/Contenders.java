package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.simd.VectorSoftmaxKernel;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds what a run measures: the scalar oracle, SIMD at one and at all threads, ONNX Runtime at one
 * and at all intra-op threads, and every other backend on the class path ({@link Backends#all()},
 * OpenCL and CUDA as they land) through its provider. A backend asked for by name that cannot run
 * is an error with the reason; one merely found unusable is left out with a note saying why (ONNX
 * Runtime too when its jar is not on the class path, as in gpu-check.sh's bundle).
 */
final class Contenders {
    private Contenders() {
    }

    /** What was found, and one note per backend left out. */
    record Found(List<Contender> contenders, List<String> notes) {
    }

    /** Every name {@code --backend} accepts. */
    static List<String> names() {
        Set<String> names = new LinkedHashSet<>();
        names.add(ScalarSoftmaxKernel.NAME);
        names.add(VectorSoftmaxKernel.NAME);
        names.add(OnnxRuntimeContender.NAME);
        for (Backends.Status s : Backends.all()) {
            names.add(s.name());
        }
        return List.copyOf(names);
    }

    /**
     * @param wanted backend names; empty for all
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException for a named backend that cannot run here
     */
    static Found discover(List<String> wanted) {
        return discover(wanted, SweepPlan.defaultThreads());
    }

    /** As {@link #discover(List)}, the CPU backends that take a thread count at each of {@code threadCounts}. */
    static Found discover(List<String> wanted, List<Integer> threadCounts) {
        Set<String> known = new LinkedHashSet<>(names());
        Set<String> asked = new LinkedHashSet<>();
        for (String w : wanted) {
            String n = w.trim().toLowerCase(Locale.ROOT);
            if (!known.contains(n)) {
                throw new IllegalArgumentException("backend must be one of " + String.join(", ", known)
                        + ", was '" + w + "'");
            }
            asked.add(n);
        }
        List<Contender> found = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try {
            for (String name : known) {
                if (!asked.isEmpty() && !asked.contains(name)) {
                    continue;
                }
                String unusable = switch (name) {
                    case ScalarSoftmaxKernel.NAME -> {
                        found.add(new KernelContender(new ScalarSoftmaxKernel(), 1, ScalarSoftmaxKernel.NAME));
                        yield null;
                    }
                    case OnnxRuntimeContender.NAME -> {
                        String why = onnxRuntimeUnusable();
                        if (why == null) {
                            for (int t : threadCounts) {
                                found.add(new OnnxRuntimeContender(t));
                            }
                        }
                        yield why;
                    }
                    default -> addBackend(name, threadCounts, found);
                };
                if (unusable != null) {
                    if (asked.contains(name)) {
                        throw new IllegalStateException("backend " + name + " cannot run here: " + unusable);
                    }
                    notes.add(name + ": left out: " + unusable);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            found.forEach(Contender::close);
            throw e;
        }
        return new Found(found, notes);
    }

    /** Adds {@code name}'s contenders; returns why it cannot run, or null. */
    private static String addBackend(String name, List<Integer> threadCounts, List<Contender> found) {
        Backends.Status status = Backends.all().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
        if (status == null) {
            return "no " + name + " provider on the class path";
        }
        if (!status.probe().usable()) {
            return status.probe().reason();
        }
        if (name.equals(VectorSoftmaxKernel.NAME)) {
            for (int t : threadCounts) {
                found.add(new KernelContender(new VectorSoftmaxKernel(t), t, VectorSoftmaxKernel.NAME + " x" + t));
            }
            return null;
        }
        SoftmaxKernel kernel = status.provider().create();
        try {
            found.add(new KernelContender(kernel, 0, name));
        } catch (RuntimeException e) {
            kernel.close();
            throw e;
        }
        return null;
    }

    /** Why ONNX Runtime cannot run here (its jar is absent or its native library would not load), or null. */
    private static String onnxRuntimeUnusable() {
        String missing = OptionalLibraries.onnxRuntimeMissing();
        return missing != null ? missing : OnnxRuntimeContender.unusable();
    }
}
