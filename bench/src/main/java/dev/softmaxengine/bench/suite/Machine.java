package dev.softmaxengine.bench.suite;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a report was measured on.
 *
 * @param cores processors available to the JVM
 * @param memoryBytes physical memory; 0 where the JVM cannot tell
 */
public record Machine(String cpuModel, int cores, long memoryBytes, String os, String jvm) {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /** This machine, as the JVM and {@code /proc/cpuinfo} describe it. */
    public static Machine detect() {
        long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : 0;
        return new Machine(readCpuModel(), Runtime.getRuntime().availableProcessors(), memory,
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                        + System.getProperty("java.vm.name") + ")");
    }

    /** The first {@code model name} of /proc/cpuinfo (Linux), else the architecture. */
    private static String readCpuModel() {
        try {
            List<String> lines = Files.readAllLines(CPUINFO);
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (line.startsWith("model name") && colon > 0) {
                    return line.substring(colon + 1).strip();
                }
            }
        } catch (IOException | SecurityException e) {
            // Not Linux, or not readable: fall through to what the JVM knows.
        }
        return System.getProperty("os.arch") + " (no /proc/cpuinfo model name)";
    }
}
