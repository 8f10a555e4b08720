package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The machine description from a fake /proc and /sys, GPU strings, the compute roof's units, and schema 1 files. */
class MachineAndSchemaTest {

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void theMachineIsReadFromProcAndSys(@TempDir Path dir) throws IOException {
        Path proc = dir.resolve("proc");
        Path sys = dir.resolve("sys");
        write(proc.resolve("cpuinfo"), """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                cpu family\t: 26
                model\t\t: 2
                model name\t: AMD EPYC 9B45
                flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_bf16 amx_tile
                processor\t: 1
                model name\t: something else
                """);
        write(proc.resolve("sys/kernel/osrelease"), "6.8.0-test\n");
        for (int cpu = 0; cpu < 4; cpu++) {
            write(sys.resolve("cpu/cpu" + cpu + "/topology/physical_package_id"), cpu < 2 ? "0" : "1");
            write(sys.resolve("cpu/cpu" + cpu + "/topology/core_id"), Integer.toString(cpu / 2 % 1));
        }
        write(sys.resolve("cpu/cpu0/cache/index0/level"), "1");
        write(sys.resolve("cpu/cpu0/cache/index0/type"), "Data");
        write(sys.resolve("cpu/cpu0/cache/index0/size"), "48K");
        write(sys.resolve("cpu/cpu0/cache/index0/shared_cpu_list"), "0-1");
        write(sys.resolve("cpu/cpu0/cache/index3/level"), "3");
        write(sys.resolve("cpu/cpu0/cache/index3/type"), "Unified");
        write(sys.resolve("cpu/cpu0/cache/index3/size"), "32768K");
        write(sys.resolve("cpu/cpu0/cache/index3/shared_cpu_list"), "0-3");
        Files.createDirectories(sys.resolve("node/node0"));
        Files.createDirectories(sys.resolve("node/node1"));

        Machine m = Machine.detect(proc, sys);
        assertEquals("AMD EPYC 9B45", m.cpuModel());
        assertEquals("Zen 5", m.microarchitecture());
        assertEquals(List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_bf16", "amx_tile"), m.isa());
        assertEquals(List.of(new Machine.Cache(1, "Data", 48 << 10, "0-1"),
                new Machine.Cache(3, "Unified", 32L << 20, "0-3")), m.caches());
        assertEquals(2, m.sockets());
        assertEquals(2, m.physicalCores());
        assertEquals(4, m.logicalCpus());
        assertEquals(2, m.numaNodes());
        assertEquals("6.8.0-test", m.kernel());
    }

    @Test
    void withoutProcOrSysTheFieldsAreUnknownNotInvented(@TempDir Path dir) {
        Machine m = Machine.detect(dir.resolve("none"), dir.resolve("none"));
        assertTrue(m.cpuModel().contains("no /proc/cpuinfo model name"), m.cpuModel());
        assertNull(m.microarchitecture());
        assertEquals(List.of(), m.isa());
        assertEquals(List.of(), m.caches());
        assertNull(m.sockets());
        assertNull(m.numaNodes());
    }

    @Test
    void meminfoStandsInWhereTheRuntimeHasNoJdkManagement(@TempDir Path dir) throws IOException {
        Path meminfo = dir.resolve("meminfo");
        write(meminfo, "MemTotal:       131891260 kB\nMemFree:         1000 kB\nMemAvailable:   120000000 kB\n");
        assertEquals(131891260L << 10, Machine.meminfo(meminfo, "MemTotal"));
        assertEquals(120000000L << 10, Machine.meminfo(meminfo, "MemAvailable"));
        assertEquals(0, Machine.meminfo(meminfo, "SwapTotal"));
        assertEquals(0, Machine.meminfo(dir.resolve("none"), "MemTotal"));
    }

    @Test
    void gpuStringsOfTheBackendsParse() {
        Machine.Gpu cuda = Machine.Gpu.of("cuda", "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, device 0)");
        assertEquals("NVIDIA H100 80GB HBM3", cuda.name());
        assertNull(cuda.driver());
        Machine.Gpu cl = Machine.Gpu.of("opencl", "OpenCL Tesla T4 (GPU, NVIDIA CUDA, 40 compute units, fp64 yes,"
                + " driver 550.54.15, 15360 MiB)");
        assertEquals("Tesla T4", cl.name());
        assertEquals("550.54.15", cl.driver());
        assertEquals(15360L << 20, cl.memoryBytes());
    }

    @Test
    void theComputeRoofIsInTheOpsEffectiveBytes() {
        Samples s = new Samples(Samples.HOST_CLOCK, 3, 1, 1.0, 1.0, 1.0);
        // 1e9 exps in 1 ms: 1e12 exps/s.
        ComputeRoof roof = ComputeRoof.of("float32", 1, 16, 1_000_000_000L, s);
        assertEquals(1e12, roof.elementsPerSecond(), 1);
        // Softmax moves 8 bytes per element in float32: 8000 GB/s at one exp per element.
        assertEquals(8000, roof.gbps(Op.SOFTMAX, 8L * 1024, 1024), 1e-9);
        assertTrue(Double.isNaN(roof.gbps(Op.HARDMAX, 8L * 1024, 1024)), "hardmax has no exp");
        assertEquals("exp-float32-x1", roof.id());
    }

    @Test
    void aMultiThreadRoofThatDoesNotScaleEarnsANote() {
        Samples oneMs = new Samples(Samples.HOST_CLOCK, 3, 1, 1.0, 1.0, 1.0);
        ComputeRoof one = ComputeRoof.of("float32", 1, 16, 1_000_000L, oneMs);
        // Twice the exps in the same time: scales 2x, no note.
        ComputeRoof scaled = ComputeRoof.of("float32", 2, 16, 2_000_000L, oneMs);
        assertEquals(List.of(), ComputeRoof.unscaledNotes(List.of(one, scaled)));
        // Twice the exps in twice the time: 1.0x, as when another process holds a core.
        ComputeRoof loaded = ComputeRoof.of("float32", 2, 16, 2_000_000L,
                new Samples(Samples.HOST_CLOCK, 3, 1, 2.0, 2.0, 2.0));
        List<String> notes = ComputeRoof.unscaledNotes(List.of(one, loaded));
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("float32 exp roof at 2 threads is 1.00x"), notes.get(0));
        // Another dtype's roofs are not compared with float32's.
        ComputeRoof doubles = ComputeRoof.of("float64", 2, 8, 1_000_000L, oneMs);
        assertEquals(List.of(), ComputeRoof.unscaledNotes(List.of(one, doubles)));
    }

    @Test
    void aSchemaOneFileIsMigrated(@TempDir Path dir) throws IOException {
        Path old = dir.resolve("old.json");
        Files.writeString(old, """
                {"schema": "softmax-engine-bench/1", "created": "2026-11-30T10:00:00Z",
                 "machine": {"cpuModel": "AMD EPYC", "cores": 2, "memoryBytes": 8589934592, "os": "Linux", "jvm": "Java 25"},
                 "plan": {"quick": true, "ops": ["softmax"], "dtypes": ["float32"], "largeCols": [1024], "smallCols": [],
                          "smallRows": 1, "batchBytes": 33554432, "copyBytes": 134217728, "minWarmupMs": 40,
                          "maxWarmupMs": 1000, "minMeasureMs": 100, "minSamples": 3, "maxSamples": 50, "maxCaseMs": 1500},
                 "ceilings": [{"id": "cpu-copy-x1", "label": "CPU copy, 1 thread", "device": "cpu", "threads": 1,
                               "bytes": 268435456, "samples": {"clock": "host-clock", "count": 10, "callsPerSample": 1,
                               "minMs": 5.0, "medianMs": 6.0, "maxMs": 7.0}, "gbps": 53.7, "source": "suite"}],
                 "results": [{"source": "suite", "label": "simd x1", "backend": "simd", "device": "cpu", "threads": 1,
                              "memory": "host", "batch": "large", "rows": 8192, "cols": 1024, "op": "softmax",
                              "dtype": "float32", "timing": {"clock": "host-clock", "count": 5, "callsPerSample": 1,
                              "minMs": 2.0, "medianMs": 2.5, "maxMs": 3.0}, "bytes": 67108864, "gbps": 26.8,
                              "bestGbps": 33.5, "ceiling": "cpu-copy-x1", "fractionOfCeiling": 0.5}],
                 "transfers": [], "notes": [], "failures": []}
                """);
        SuiteReport r = ResultsJson.read(old);
        assertEquals(SuiteReport.SCHEMA, r.schema());
        assertEquals(List.of(1), r.plan().threads());
        assertEquals(List.of(), r.roofs());
        assertNull(r.run());
        assertEquals("AMD EPYC", r.machine().cpuModel());
        assertEquals(List.of(), r.machine().isa());
        CaseResult x = r.results().getFirst();
        assertNull(x.timing().p99Ms());
        assertNull(x.computeRoof());
        assertTrue(r.notes().getLast().startsWith("migrated from softmax-engine-bench/1"), r.notes().toString());
        // A migrated report draws and writes like a new one.
        Path out = dir.resolve("out");
        ReportFiles.write(r, out);
        assertEquals(r, ResultsJson.read(out.resolve(ReportFiles.RESULTS)));

        Files.writeString(old, "{\"schema\": \"softmax-engine-torch/1\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(old));
        assertTrue(e.getMessage().contains("was softmax-engine-torch/1"), e.getMessage());
    }

    @Test
    void csvQuotesWhatNeedsIt() {
        assertEquals("a,\"b,c\",\"say \"\"hi\"\"\",\r\n", ResultsCsv.line(List.of("a", "b,c", "say \"hi\"", "")));
        assertEquals(ResultsCsv.HEAD.size(), ResultsCsv.HEAD.stream().distinct().count());
    }
}
