package dev.softmaxengine.bench.suite;

import dev.softmaxengine.simd.VectorExp;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The machine a report was measured on, from {@code /proc/cpuinfo}, {@code /sys/devices/system}
 * and the JVM. Fields a platform does not expose are null (or empty); files of schema 1 have only
 * {@code cpuModel}, {@code cores}, {@code memoryBytes}, {@code os} and {@code jvm}.
 *
 * @param microarchitecture from the CPU's family and model (or ARM part number) where this class knows it
 * @param isa the instruction-set extensions that matter to these kernels (AVX2, FMA, AVX-512 subsets,
 *     AMX, NEON, SVE), as the kernel names them
 * @param vectorSpecies the Vector API species the SIMD kernels compute in
 * @param caches each cache level of CPU 0 with the CPUs that share it
 * @param sockets physical packages
 * @param physicalCores distinct (package, core) pairs
 * @param logicalCpus CPUs the kernel lists under {@code /sys/devices/system/cpu}
 * @param cores processors available to the JVM (what "all threads" means in a run)
 * @param memoryBytes physical memory; 0 where the JVM cannot tell
 * @param numaNodes NUMA nodes under {@code /sys/devices/system/node}; null off Linux
 * @param kernel the OS kernel release
 * @param gpus the GPUs a device backend ran on in this run
 */
public record Machine(String cpuModel, String microarchitecture, List<String> isa, String vectorSpecies,
                      List<Cache> caches, Integer sockets, Integer physicalCores, Integer logicalCpus, int cores,
                      long memoryBytes, Integer numaNodes, String os, String kernel, String jvm, List<Gpu> gpus) {

    /** One cache as {@code /sys/devices/system/cpu/cpu0/cache/index*} describes it. */
    public record Cache(int level, String type, long sizeBytes, String sharedCpuList) {
    }

    /**
     * A GPU a device backend ran on: its name and what the backend's {@code device()} string says;
     * driver and memory are null where the backend does not report them.
     */
    public record Gpu(String backend, String name, String description, String driver, Long memoryBytes) {
        /** Parses a backend's device string: the name is what precedes the first " (", less an "OpenCL " prefix. */
        public static Gpu of(String backend, String device) {
            String name = device;
            int paren = name.indexOf(" (");
            if (paren > 0) {
                name = name.substring(0, paren);
            }
            if (name.startsWith("OpenCL ")) {
                name = name.substring("OpenCL ".length());
            }
            return new Gpu(backend, name.strip(), device, field(device, "driver"), memory(device));
        }

        /** {@code driver 550.54} anywhere in the string. */
        private static String field(String device, String key) {
            Matcher m = Pattern.compile("\\b" + key + "[ =:]+([\\w.\\-]+)").matcher(device);
            return m.find() ? m.group(1) : null;
        }

        /** {@code 80 GiB} / {@code 16384 MiB} anywhere in the string. */
        private static Long memory(String device) {
            Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?) ?(GiB|MiB|GB|MB)\\b").matcher(device);
            if (!m.find()) {
                return null;
            }
            double v = Double.parseDouble(m.group(1));
            return (long) (v * switch (m.group(2)) {
                case "GiB" -> 1L << 30;
                case "MiB" -> 1L << 20;
                case "GB" -> 1e9;
                default -> 1e6;
            });
        }
    }

    /** The extensions reported, in this order, when the CPU has them (x86 flags, then ARM features). */
    static final List<String> ISA_OF_INTEREST = List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq",
            "avx512cd", "avx512bw", "avx512vl", "avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512_vnni",
            "avx512_bf16", "avx512_fp16", "avx512_bitalg", "avx512_vpopcntdq", "avx_vnni", "amx_tile", "amx_bf16",
            "amx_int8", "amx_fp16", "asimd", "asimdhp", "sve", "sve2", "sme");

    public Machine {
        isa = isa == null ? List.of() : List.copyOf(isa);
        caches = caches == null ? List.of() : List.copyOf(caches);
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
    }

    /** This machine with the GPUs a run's device backends reported. */
    public Machine withGpus(List<Gpu> found) {
        return new Machine(cpuModel, microarchitecture, isa, vectorSpecies, caches, sockets, physicalCores, logicalCpus,
                cores, memoryBytes, numaNodes, os, kernel, jvm, found);
    }

    /** This machine, as the JVM, {@code /proc} and {@code /sys} describe it. */
    public static Machine detect() {
        return detect(Path.of("/proc"), Path.of("/sys/devices/system"));
    }

    /** As {@link #detect()}, reading {@code proc} and {@code sys} (tests give it a fake tree). */
    static Machine detect(Path proc, Path sys) {
        long memory = physicalMemory(false);
        Map<String, String> cpu = firstCpu(proc.resolve("cpuinfo"));
        String model = cpu.getOrDefault("model name", cpu.get("Hardware"));
        Set<String> flags = new LinkedHashSet<>();
        for (String key : List.of("flags", "Features")) {
            if (cpu.containsKey(key)) {
                flags.addAll(List.of(cpu.get(key).split("\\s+")));
            }
        }
        List<String> isa = ISA_OF_INTEREST.stream().filter(flags::contains).toList();
        String kernel = read(proc.resolve("sys/kernel/osrelease"));
        Path cpus = sys.resolve("cpu");
        return new Machine(model == null ? System.getProperty("os.arch") + " (no /proc/cpuinfo model name)" : model,
                microarchitecture(cpu), isa, species(), caches(cpus.resolve("cpu0/cache")), distinct(cpus, false),
                distinct(cpus, true), countDirs(cpus, "cpu\\d+"), Runtime.getRuntime().availableProcessors(), memory,
                countDirs(sys.resolve("node"), "node\\d+"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                kernel == null ? System.getProperty("os.version") : kernel,
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                        + System.getProperty("java.vm.name") + ")", List.of());
    }

    /**
     * Physical memory, all of it or what is free now, as the JVM sees it, else as
     * {@code /proc/meminfo} says (a runtime without {@code jdk.management}, such as the jlinked JRE
     * of gpu-check.sh); 0 where neither can tell.
     */
    static long physicalMemory(boolean free) {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return free ? os.getFreeMemorySize() : os.getTotalMemorySize();
            }
        } catch (LinkageError e) {
            // No jdk.management module: com.sun.management does not resolve.
        }
        return meminfo(Path.of("/proc/meminfo"), free ? "MemAvailable" : "MemTotal");
    }

    /** The {@code key:  N kB} line of a meminfo file in bytes; 0 when absent. */
    static long meminfo(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split("[:\\s]+");
                if (f.length == 3 && f[0].equals(key) && f[2].equals("kB")) {
                    return Long.parseLong(f[1]) << 10;
                }
            }
        } catch (IOException | SecurityException | NumberFormatException e) {
            // Not Linux: unknown.
        }
        return 0;
    }

    /** {@code float32 16 lanes, float64 8 lanes (512-bit)}: the species the kernels run in. */
    static String species() {
        try {
            return String.format(Locale.ROOT, "float32 %d lanes, float64 %d lanes (%d-bit)",
                    VectorExp.floatSpecies().length(), VectorExp.doubleSpecies().length(),
                    VectorExp.floatSpecies().vectorBitSize());
        } catch (LinkageError e) {
            return "jdk.incubator.vector not in the module graph";
        }
    }

    /** The key/value lines of the first processor block of /proc/cpuinfo (ARM's global lines included). */
    private static Map<String, String> firstCpu(Path cpuinfo) {
        Map<String, String> fields = new TreeMap<>();
        try {
            int processors = 0;
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).strip();
                if (key.equals("processor") && ++processors > 1) {
                    continue;
                }
                fields.putIfAbsent(key, line.substring(colon + 1).strip());
            }
        } catch (IOException | SecurityException e) {
            // Not Linux, or not readable: the fields stay unknown.
        }
        return fields;
    }

    /** The microarchitectures this class can name from cpuinfo; null for the rest. */
    static String microarchitecture(Map<String, String> cpu) {
        String vendor = cpu.getOrDefault("vendor_id", "");
        Integer family = number(cpu.get("cpu family"));
        Integer model = number(cpu.get("model"));
        if (vendor.equals("AuthenticAMD") && family != null && model != null) {
            return switch (family) {
                case 0x17 -> model < 0x30 ? "Zen / Zen+" : "Zen 2";
                case 0x19 -> model < 0x10 || (model >= 0x20 && model < 0x60) ? "Zen 3" : "Zen 4";
                case 0x1a -> "Zen 5";
                default -> null;
            };
        }
        if (vendor.equals("GenuineIntel") && family != null && family == 6 && model != null) {
            return switch (model) {
                case 0x55 -> "Skylake-SP / Cascade Lake";
                case 0x6a, 0x6c -> "Ice Lake-SP";
                case 0x8f -> "Sapphire Rapids";
                case 0xcf -> "Emerald Rapids";
                case 0xad, 0xae -> "Granite Rapids";
                case 0x97, 0x9a -> "Alder Lake";
                case 0xb7, 0xba, 0xbf -> "Raptor Lake";
                default -> null;
            };
        }
        String part = cpu.get("CPU part");
        if (part != null) {
            return switch (part.toLowerCase(Locale.ROOT)) {
                case "0xd0c" -> "Neoverse N1";
                case "0xd40" -> "Neoverse V1";
                case "0xd49" -> "Neoverse N2";
                case "0xd4f" -> "Neoverse V2";
                case "0xd8e" -> "Neoverse N3";
                default -> null;
            };
        }
        return null;
    }

    private static Integer number(String s) {
        if (s == null) {
            return null;
        }
        try {
            return s.startsWith("0x") ? Integer.parseInt(s.substring(2), 16) : Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<Cache> caches(Path dir) {
        List<Cache> caches = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path index : entries.filter(p -> p.getFileName().toString().matches("index\\d+")).sorted().toList()) {
                Integer level = number(read(index.resolve("level")));
                long size = sizeBytes(read(index.resolve("size")));
                if (level != null && size > 0) {
                    caches.add(new Cache(level, read(index.resolve("type")), size, read(index.resolve("shared_cpu_list"))));
                }
            }
        } catch (IOException | SecurityException e) {
            // No sysfs: no caches listed.
        }
        return caches;
    }

    /** {@code 32768K}, {@code 1M}, {@code 48K} as sysfs writes them. */
    static long sizeBytes(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        long unit = switch (Character.toUpperCase(s.charAt(s.length() - 1))) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits.strip()) * unit;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Distinct packages ({@code cores} false) or (package, core) pairs over {@code cpu*}/topology; null without sysfs. */
    private static Integer distinct(Path cpus, boolean cores) {
        Set<String> seen = new LinkedHashSet<>();
        try (Stream<Path> entries = Files.list(cpus)) {
            for (Path c : entries.filter(p -> p.getFileName().toString().matches("cpu\\d+")).toList()) {
                String pkg = read(c.resolve("topology/physical_package_id"));
                String core = read(c.resolve("topology/core_id"));
                if (pkg != null) {
                    seen.add(cores ? pkg + "/" + core : pkg);
                }
            }
        } catch (IOException | SecurityException e) {
            return null;
        }
        return seen.isEmpty() ? null : seen.size();
    }

    private static Integer countDirs(Path dir, String pattern) {
        try (Stream<Path> entries = Files.list(dir)) {
            return (int) entries.filter(p -> p.getFileName().toString().matches(pattern)).count();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
