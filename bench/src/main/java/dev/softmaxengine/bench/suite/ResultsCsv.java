package dev.softmaxengine.bench.suite;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every result as one CSV row (RFC 4180: comma-separated, fields with a comma, quote or line break
 * quoted), with the run's and machine's columns repeated on each row so that rows of several runs
 * can be filtered and pivoted in a spreadsheet. Empty cells are values the file did not have.
 */
public final class ResultsCsv {
    static final List<String> HEAD = List.of("run", "created", "cpu_model", "microarchitecture", "isa", "cores",
            "memory_bytes", "os", "jvm", "engine_version", "git_commit", "git_dirty", "jvm_flags", "command_line",
            "source", "label", "backend", "device", "threads", "memory", "batch", "rows", "cols", "op", "dtype",
            "clock", "samples", "calls_per_sample", "min_ms", "p25_ms", "median_ms", "p75_ms", "p90_ms", "p99_ms",
            "max_ms", "median_low_ms", "median_high_ms", "bytes", "gbps", "best_gbps", "ceiling", "ceiling_gbps",
            "fraction_of_ceiling", "compute_roof", "compute_roof_gbps", "wall");

    private ResultsCsv() {
    }

    /** A named run: {@code name} fills the run column. */
    public record Run(String name, SuiteReport report) {
    }

    public static void write(List<Run> runs, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(line(HEAD));
            for (Run run : runs) {
                for (CaseResult r : run.report().results()) {
                    w.write(line(row(run, r)));
                }
            }
        }
    }

    static List<String> row(Run run, CaseResult r) {
        SuiteReport rep = run.report();
        Machine m = rep.machine();
        RunInfo info = rep.run();
        Samples t = r.timing();
        Ceiling c = r.ceiling() == null ? null : rep.ceiling(r.ceiling());
        List<String> cells = new ArrayList<>(HEAD.size());
        cells.add(run.name());
        cells.add(rep.created());
        cells.add(m.cpuModel());
        cells.add(text(m.microarchitecture()));
        cells.add(String.join(" ", m.isa()));
        cells.add(Integer.toString(m.cores()));
        cells.add(Long.toString(m.memoryBytes()));
        cells.add(m.os());
        cells.add(m.jvm());
        cells.add(info == null ? "" : text(info.engineVersion()));
        cells.add(info == null ? "" : text(info.gitCommit()));
        cells.add(info == null ? "" : text(info.gitDirty()));
        cells.add(info == null ? "" : String.join(" ", info.jvmFlags()));
        cells.add(info == null ? "" : text(info.commandLine()));
        cells.add(r.source());
        cells.add(r.label());
        cells.add(r.backend());
        cells.add(r.device());
        cells.add(Integer.toString(r.threads()));
        cells.add(r.memory());
        cells.add(r.batch());
        cells.add(Long.toString(r.rows()));
        cells.add(Long.toString(r.cols()));
        cells.add(r.op());
        cells.add(r.dtype());
        cells.add(t.clock());
        cells.add(Integer.toString(t.count()));
        cells.add(Integer.toString(t.callsPerSample()));
        cells.add(number(t.minMs()));
        cells.add(number(t.p25Ms()));
        cells.add(number(t.medianMs()));
        cells.add(number(t.p75Ms()));
        cells.add(number(t.p90Ms()));
        cells.add(number(t.p99Ms()));
        cells.add(number(t.maxMs()));
        cells.add(number(t.medianLowMs()));
        cells.add(number(t.medianHighMs()));
        cells.add(Long.toString(r.bytes()));
        cells.add(number(r.gbps()));
        cells.add(number(r.bestGbps()));
        cells.add(text(r.ceiling()));
        cells.add(c == null ? "" : number(c.gbps()));
        cells.add(number(r.fractionOfCeiling()));
        cells.add(text(r.computeRoof()));
        cells.add(number(r.computeRoofGbps()));
        cells.add(text(r.wall()));
        return cells;
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    private static String number(Double d) {
        return d == null ? "" : String.format(Locale.ROOT, "%.6g", d);
    }

    /** One CSV record ending in CRLF, as RFC 4180 asks. */
    static String line(List<String> cells) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            if (i > 0) {
                b.append(',');
            }
            if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
                b.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                b.append(c);
            }
        }
        return b.append("\r\n").toString();
    }
}
