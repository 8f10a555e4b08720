package dev.softmaxengine.bench.suite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** A report's machine and run as name/value rows, for the HTML page, the comparison and the CSV. */
final class MachineRows {
    private MachineRows() {
    }

    static Map<String, String> of(SuiteReport report) {
        Machine m = report.machine();
        RunInfo r = report.run();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("CPU", m.cpuModel());
        rows.put("microarchitecture", orUnknown(m.microarchitecture()));
        rows.put("ISA extensions", m.isa().isEmpty() ? "unknown" : String.join(" ", m.isa()));
        rows.put("vector species", orUnknown(m.vectorSpecies()));
        rows.put("caches (CPU 0)", m.caches().isEmpty() ? "unknown" : m.caches().stream()
                .map(c -> String.format(Locale.ROOT, "L%d %s %s (CPUs %s)", c.level(), c.type(), size(c.sizeBytes()),
                        c.sharedCpuList()))
                .collect(Collectors.joining("; ")));
        rows.put("sockets / physical cores / logical CPUs", orUnknown(m.sockets()) + " / " + orUnknown(m.physicalCores())
                + " / " + orUnknown(m.logicalCpus()));
        rows.put("processors available to the JVM", Integer.toString(m.cores()));
        rows.put("memory", String.format(Locale.ROOT, "%.1f GiB", m.memoryBytes() / (double) (1L << 30)));
        rows.put("NUMA nodes", orUnknown(m.numaNodes()));
        rows.put("OS / kernel", m.os() + " / " + orUnknown(m.kernel()));
        rows.put("JVM", m.jvm());
        rows.put("GPUs", m.gpus().isEmpty() ? "none ran" : m.gpus().stream()
                .map(g -> g.backend() + ": " + g.name() + " (driver " + orUnknown(g.driver()) + ", memory "
                        + (g.memoryBytes() == null ? "unknown" : size(g.memoryBytes())) + ")")
                .collect(Collectors.joining("; ")));
        rows.put("engine version", r == null ? "unknown (schema 1)" : orUnknown(r.engineVersion()));
        rows.put("git commit", r == null || r.gitCommit() == null ? "unknown"
                : r.gitCommit() + (Boolean.TRUE.equals(r.gitDirty()) ? " (dirty: uncommitted changes)" : ""));
        rows.put("JVM flags", r == null ? "unknown" : String.join(" ", r.jvmFlags()));
        rows.put("command line", r == null ? "unknown" : r.commandLine());
        List<Integer> threads = report.plan().threads();
        rows.put("host threads", threads.isEmpty() ? "unknown" : threads.stream().map(String::valueOf)
                .collect(Collectors.joining(", ")));
        return rows;
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + " MiB";
        }
        return bytes / 1024 + " KiB";
    }

    private static String orUnknown(Object o) {
        return o == null ? "unknown" : o.toString();
    }
}
