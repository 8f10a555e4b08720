package dev.softmaxengine.bench.suite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report's comparison tables, one per batch size: a row per op, dtype and shape, a column per
 * contender, and the ratios that matter: SIMD over scalar, SIMD over ONNX Runtime and over torch on
 * the CPU at the same thread count, each device backend over torch on the GPU. Large batches show GB/s and the fraction of the
 * ceiling, small ones the median time per call. Rendered as text (stdout) and by {@link HtmlReport}.
 */
public record ComparisonTable(String title, List<String> head, List<List<String>> rows) {
    private static final String SIMD = "simd x";
    private static final String SCALAR = "scalar";
    private static final String ORT = OnnxRuntimeContender.NAME + " x";

    /** A ratio column: {@code numerator}'s speed over {@code denominator}'s. */
    record Ratio(String numerator, String denominator) {
        String title() {
            return numerator + " / " + denominator;
        }
    }

    public static List<ComparisonTable> of(SuiteReport report) {
        List<ComparisonTable> tables = new ArrayList<>();
        for (String batch : List.of(SweepPlan.LARGE, SweepPlan.CUSTOM, SweepPlan.SMALL)) {
            List<CaseResult> rs = report.results().stream().filter(r -> batch.equals(r.batch())).toList();
            if (!rs.isEmpty()) {
                tables.add(table(report, batch, rs, report.plan().ops()));
            }
        }
        return tables;
    }

    private static ComparisonTable table(SuiteReport report, String batch, List<CaseResult> results,
                                         List<String> opOrder) {
        boolean large = !batch.equals(SweepPlan.SMALL);
        Set<String> labels = new LinkedHashSet<>();
        Set<String> deviceLabels = new LinkedHashSet<>();
        for (CaseResult r : results) {
            labels.add(r.label());
            if (r.memory().equals(CaseResult.DEVICE) && !r.label().equals(TorchResults.LABEL)) {
                deviceLabels.add(r.label());
            }
        }
        List<Ratio> ratios = ratios(labels, deviceLabels);

        Map<String, Map<String, CaseResult>> byRow = new LinkedHashMap<>();
        List<CaseResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingInt((CaseResult r) -> rank(opOrder, r.op()))
                .thenComparing(CaseResult::dtype).thenComparingLong(CaseResult::cols).thenComparingLong(CaseResult::rows));
        for (CaseResult r : sorted) {
            byRow.computeIfAbsent(r.op() + " " + r.dtype() + " " + r.shape(), k -> new LinkedHashMap<>())
                    .put(r.label(), r);
        }

        List<String> head = new ArrayList<>(List.of("op", "dtype", "shape"));
        head.addAll(labels);
        ratios.forEach(q -> head.add(q.title()));
        List<List<String>> rows = new ArrayList<>();
        for (Map<String, CaseResult> row : byRow.values()) {
            CaseResult any = row.values().iterator().next();
            List<String> cells = new ArrayList<>(List.of(any.op(), any.dtype(), any.shape()));
            for (String l : labels) {
                CaseResult r = row.get(l);
                cells.add(r == null ? "-" : large ? gbps(report, r) : micros(r));
            }
            for (Ratio q : ratios) {
                CaseResult n = row.get(q.numerator());
                CaseResult d = row.get(q.denominator());
                cells.add(n == null || d == null ? "-" : String.format(Locale.ROOT, "%.2fx (%.2fx)", n.gbps() / d.gbps(),
                        n.bestGbps() / d.bestGbps()));
            }
            rows.add(cells);
        }
        String title = large
                ? (batch.equals(SweepPlan.CUSTOM) ? "Shapes of --shapes (or the logits grid)" : "Large batches")
                        + ": effective GB/s at the median time (fraction of the lower roof, M memory or C compute);"
                        + " ratios at the median time (at the best)"
                : "Small batches: microseconds per call, p50 / p90 / p99 of single calls (median alone for"
                        + " older files); ratios at the median time (at the best)";
        return new ComparisonTable(title, head, rows);
    }

    private static List<Ratio> ratios(Set<String> labels, Set<String> deviceLabels) {
        List<Ratio> ratios = new ArrayList<>();
        for (String l : labels) {
            if (l.startsWith(SIMD)) {
                if (labels.contains(SCALAR)) {
                    ratios.add(new Ratio(l, SCALAR));
                }
                String ort = ORT + l.substring(SIMD.length());
                if (labels.contains(ort)) {
                    ratios.add(new Ratio(l, ort));
                }
                String torch = TorchResults.LABEL + " x" + l.substring(SIMD.length());
                if (labels.contains(torch)) {
                    ratios.add(new Ratio(l, torch));
                }
            }
        }
        if (labels.contains(TorchResults.LABEL)) {
            deviceLabels.forEach(l -> ratios.add(new Ratio(l, TorchResults.LABEL)));
        }
        return ratios;
    }

    private static int rank(List<String> order, String op) {
        int i = order.indexOf(op);
        return i < 0 ? order.size() : i;
    }

    private static String gbps(SuiteReport report, CaseResult r) {
        double roof = r.roofGbps(report);
        if (Double.isNaN(roof)) {
            return String.format(Locale.ROOT, "%.2f", r.gbps());
        }
        String wall = CaseResult.COMPUTE_WALL.equals(r.wall()) ? " C" : r.ceiling() != null ? " M" : " C";
        return String.format(Locale.ROOT, "%.2f (%.2f%s)", r.gbps(), r.gbps() / roof, wall);
    }

    private static String micros(CaseResult r) {
        Samples t = r.timing();
        if (!t.hasPercentiles()) {
            return String.format(Locale.ROOT, "%.3g", t.medianMs() * 1e3);
        }
        return String.format(Locale.ROOT, "%.3g / %.3g / %.3g", t.medianMs() * 1e3, t.p90Ms() * 1e3, t.p99Ms() * 1e3);
    }

    /** The tables as aligned plain text. */
    public static String text(List<ComparisonTable> tables) {
        StringBuilder b = new StringBuilder();
        for (ComparisonTable t : tables) {
            int[] width = new int[t.head().size()];
            for (int i = 0; i < width.length; i++) {
                width[i] = t.head().get(i).length();
                for (List<String> row : t.rows()) {
                    width[i] = Math.max(width[i], row.get(i).length());
                }
            }
            b.append(t.title()).append('\n');
            line(b, t.head(), width);
            for (List<String> row : t.rows()) {
                line(b, row, width);
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] width) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            // Names left-aligned, figures right-aligned.
            b.append(i < 3 ? c + " ".repeat(width[i] - c.length()) : " ".repeat(width[i] - c.length()) + c);
            b.append(i + 1 < cells.size() ? "  " : "\n");
        }
    }
}
