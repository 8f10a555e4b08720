package dev.softmaxengine.bench.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code bench compare}: several runs (other machines, JDKs, commits, thread counts) in one report.
 * Results of the same op, dtype, batch and shape are joined; per contender the table gives each
 * run's figure and every later run's speed over the first's; the charts have one line per run and
 * contender, each with its own run's roofs. Runs are named after their folder (a
 * {@code DIR/results.json}) or their file name.
 */
public final class RunComparison {
    public static final String HTML = "compare.html";
    public static final String CSV = "results.csv";

    private RunComparison() {
    }

    /** Reads {@code files} (schema 1 migrated), each named after its path; names are made unique. */
    public static List<ResultsCsv.Run> read(List<Path> files) throws IOException {
        if (files == null || files.size() < 2) {
            throw new IllegalArgumentException("compare needs at least two results files, was "
                    + (files == null ? 0 : files.size()));
        }
        List<ResultsCsv.Run> runs = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Path f : files) {
            String name = name(f);
            String unique = name;
            for (int i = 2; !names.add(unique); i++) {
                unique = name + "#" + i;
            }
            runs.add(new ResultsCsv.Run(unique, ResultsJson.read(f)));
        }
        return runs;
    }

    /** {@code run-a} for {@code run-a/results.json}, {@code laptop} for {@code laptop.json}. */
    public static String name(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        String base = abs.getFileName().toString();
        if (base.equals(ReportFiles.RESULTS) && abs.getParent() != null && abs.getParent().getFileName() != null) {
            return abs.getParent().getFileName().toString();
        }
        return base.endsWith(".json") ? base.substring(0, base.length() - ".json".length()) : base;
    }

    /**
     * {@code base} with the run in {@code file} merged in ({@code --merge}): its results, ceilings and
     * roofs under its name ({@link #name}), beside base's own.
     */
    public static SuiteReport mergeInto(SuiteReport base, Path file) throws IOException {
        String n = name(file);
        SuiteReport other = ResultsJson.read(file);
        List<ComputeRoof> roofs = new ArrayList<>(base.roofs());
        other.roofs().forEach(x -> roofs.add(prefixed(n, x)));
        List<String> notes = new ArrayList<>(base.notes());
        notes.add("merged " + other.results().size() + " results of run " + n + " (" + other.created() + ", "
                + other.machine().cpuModel() + ") from " + file.getFileName() + ", labelled '" + n + ": ...'");
        SuiteReport withRoofs = new SuiteReport(base.schema(), base.created(), base.machine(), base.run(), base.plan(),
                base.ceilings(), roofs, base.results(), base.transfers(), notes, base.failures());
        return withRoofs.plus(other.ceilings().stream().map(c -> prefixed(n, c)).toList(),
                other.results().stream().map(r -> r.forRun(n)).toList(), List.of());
    }

    private static Ceiling prefixed(String run, Ceiling c) {
        return new Ceiling(run + "/" + c.id(), run + ": " + c.label(), c.device(), c.threads(), c.bytes(), c.samples(),
                c.gbps(), c.source());
    }

    private static ComputeRoof prefixed(String run, ComputeRoof x) {
        return new ComputeRoof(run + "/" + x.id(), run + ": " + x.label(), x.dtype(), x.threads(), x.lanes(),
                x.elementsPerCall(), x.samples(), x.elementsPerSecond());
    }

    /**
     * The runs as one report for {@link ReportCharts}: every result, ceiling and roof prefixed with
     * its run's name, so that each run draws its own lines and roofs.
     */
    static SuiteReport merged(List<ResultsCsv.Run> runs) {
        SuiteReport first = runs.getFirst().report();
        List<Ceiling> ceilings = new ArrayList<>();
        List<ComputeRoof> roofs = new ArrayList<>();
        List<CaseResult> results = new ArrayList<>();
        Set<String> ops = new LinkedHashSet<>();
        for (ResultsCsv.Run run : runs) {
            String n = run.name();
            SuiteReport r = run.report();
            ops.addAll(r.plan().ops());
            r.ceilings().forEach(c -> ceilings.add(prefixed(n, c)));
            r.roofs().forEach(x -> roofs.add(prefixed(n, x)));
            r.results().forEach(x -> results.add(x.forRun(n)));
        }
        SuiteReport.Plan p = first.plan();
        SuiteReport.Plan plan = new SuiteReport.Plan(p.quick(), List.copyOf(ops), p.dtypes(), p.largeCols(),
                p.smallCols(), p.smallRows(), p.batchBytes(), p.copyBytes(), p.minWarmupMs(), p.maxWarmupMs(),
                p.minMeasureMs(), p.minSamples(), p.maxSamples(), p.maxCaseMs(), p.threads(), p.shapes(),
                p.repeatUntil(), p.selection());
        return new SuiteReport(SuiteReport.SCHEMA, first.created(), first.machine(), first.run(), plan, ceilings, roofs,
                results, List.of(), List.of(), List.of());
    }

    /**
     * One table per batch kind: a row per op, dtype and shape that some run measured; per contender a
     * column per run (GB/s, or median microseconds for one-row batches) and, per later run, its speed
     * over the first run's at the median time.
     */
    public static List<ComparisonTable> tables(List<ResultsCsv.Run> runs) {
        List<ComparisonTable> tables = new ArrayList<>();
        for (String batch : List.of(SweepPlan.LARGE, SweepPlan.CUSTOM, SweepPlan.SMALL)) {
            Set<String> labels = new LinkedHashSet<>();
            Map<String, Map<String, CaseResult>> rows = new LinkedHashMap<>();
            List<CaseResult> all = new ArrayList<>();
            for (ResultsCsv.Run run : runs) {
                for (CaseResult r : run.report().results()) {
                    if (r.batch().equals(batch)) {
                        labels.add(r.label());
                        all.add(r.forRun(run.name()));
                    }
                }
            }
            if (all.isEmpty()) {
                continue;
            }
            all.sort(Comparator.comparing(CaseResult::op).thenComparing(CaseResult::dtype)
                    .thenComparingLong(CaseResult::cols).thenComparingLong(CaseResult::rows));
            for (CaseResult r : all) {
                rows.computeIfAbsent(r.op() + " " + r.dtype() + " " + r.shape(), k -> new LinkedHashMap<>())
                        .put(r.label(), r);
            }
            boolean small = batch.equals(SweepPlan.SMALL);
            List<String> head = new ArrayList<>(List.of("op", "dtype", "shape"));
            for (String l : labels) {
                runs.forEach(run -> head.add(run.name() + ": " + l));
                for (int k = 1; k < runs.size(); k++) {
                    head.add(l + ": " + runs.get(k).name() + " / " + runs.getFirst().name());
                }
            }
            List<List<String>> cells = new ArrayList<>();
            for (Map<String, CaseResult> row : rows.values()) {
                CaseResult any = row.values().iterator().next();
                List<String> c = new ArrayList<>(List.of(any.op(), any.dtype(), any.shape()));
                for (String l : labels) {
                    for (ResultsCsv.Run run : runs) {
                        CaseResult r = row.get(run.name() + ": " + l);
                        c.add(r == null ? "-" : small ? String.format(Locale.ROOT, "%.3g us", r.timing().medianMs() * 1e3)
                                : String.format(Locale.ROOT, "%.2f", r.gbps()));
                    }
                    CaseResult base = row.get(runs.getFirst().name() + ": " + l);
                    for (int k = 1; k < runs.size(); k++) {
                        CaseResult r = row.get(runs.get(k).name() + ": " + l);
                        c.add(base == null || r == null ? "-"
                                : String.format(Locale.ROOT, "%.2fx", base.timing().medianMs() / r.timing().medianMs()));
                    }
                }
                cells.add(c);
            }
            String title = (small ? "Small batches: median microseconds per call" : batch.equals(SweepPlan.CUSTOM)
                    ? "Shapes of --shapes: effective GB/s at the median time" : "Large batches: effective GB/s at the median"
                    + " time") + "; per contender, each later run's speed over the first run's";
            tables.add(new ComparisonTable(title, head, cells));
        }
        return tables;
    }

    /** Writes {@value #HTML} and the charts into {@code dir}, and {@value #CSV} when {@code csv}; returns the files. */
    public static List<Path> write(List<ResultsCsv.Run> runs, Path dir, boolean csv) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        SuiteReport merged = merged(runs);
        List<ReportCharts.Chart> charts = OptionalLibraries.chartsMissing() == null ? ReportCharts.render(merged) : List.of();
        for (ReportCharts.Chart c : charts) {
            Path png = dir.resolve("compare-" + c.fileName());
            Files.write(png, c.png());
            written.add(png);
        }
        Path html = dir.resolve(HTML);
        Files.writeString(html, html(runs, merged, charts), StandardCharsets.UTF_8);
        written.add(html);
        if (csv) {
            Path file = dir.resolve(CSV);
            ResultsCsv.write(runs, file);
            written.add(file);
        }
        return written;
    }

    private static String html(List<ResultsCsv.Run> runs, SuiteReport merged, List<ReportCharts.Chart> charts) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>softmax-engine bench compare</title>\n<style>\n").append(HtmlReport.CSS)
                .append("</style>\n</head>\n<body>\n<h1>softmax-engine benchmark: ").append(runs.size())
                .append(" runs compared</h1>\n");
        b.append("<h2>Machines and runs</h2>\n<table>\n<tr><th></th>");
        runs.forEach(r -> b.append("<th>").append(HtmlReport.esc(r.name())).append("</th>"));
        b.append("</tr>\n");
        List<Map<String, String>> described = runs.stream().map(r -> MachineRows.of(r.report())).toList();
        b.append("<tr><th>created</th>");
        runs.forEach(r -> b.append("<td>").append(HtmlReport.esc(r.report().created())).append("</td>"));
        b.append("</tr>\n");
        for (String key : described.getFirst().keySet()) {
            b.append("<tr><th>").append(HtmlReport.esc(key)).append("</th>");
            described.forEach(d -> b.append("<td>").append(HtmlReport.esc(d.get(key))).append("</td>"));
            b.append("</tr>\n");
        }
        b.append("</table>\n<h2>Memory roofs (copy ceilings)</h2>\n<table>\n<tr><th>ceiling</th><th>best GB/s</th></tr>\n");
        for (Ceiling c : merged.ceilings()) {
            b.append("<tr><td>").append(HtmlReport.esc(c.label())).append("</td>");
            HtmlReport.num(b, String.format(Locale.ROOT, "%.2f", c.gbps()));
            b.append("</tr>\n");
        }
        b.append("</table>\n");
        HtmlReport.roofs(b, merged.roofs());
        for (ComparisonTable t : tables(runs)) {
            HtmlReport.table(b, t);
        }
        b.append("<h2>Charts</h2>\n");
        HtmlReport.images(b, charts);
        b.append("<h2>Notes</h2>\n<ul>\n");
        for (ResultsCsv.Run r : runs) {
            r.report().notes().forEach(n -> b.append("<li class=\"note\">").append(HtmlReport.esc(r.name() + ": " + n))
                    .append("</li>\n"));
            r.report().failures().forEach(f -> b.append("<li><b>failed:</b> ").append(HtmlReport.esc(r.name() + ": " + f))
                    .append("</li>\n"));
        }
        b.append("</ul>\n</body>\n</html>\n");
        return b.toString();
    }
}
