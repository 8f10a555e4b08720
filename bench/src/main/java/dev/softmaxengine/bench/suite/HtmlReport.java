package dev.softmaxengine.bench.suite;

import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * {@code report.html}: one self-contained page (inline CSS, charts as base64 data URIs) that opens
 * offline: the machine, the ceilings, the comparison tables, the charts, transfers and notes.
 */
public final class HtmlReport {
    static final String CSS = """
            body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
            h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; }
            th, td { border: 1px solid #ccc; padding: 2px 8px; }
            th { background: #f0f0f0; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0 1.5em; }
            .note { color: #555; }
            """;

    private HtmlReport() {
    }

    public static String render(SuiteReport report, List<ReportCharts.Chart> charts) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>softmax-engine bench</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        b.append("<h1>softmax-engine hardware benchmark</h1>\n");
        b.append("<p>").append(esc(report.created())).append(report.plan().quick() ? ", <b>--quick</b> run" : "")
                .append(". Effective GB/s counts the bytes an op must move: every input element read once and every"
                        + " output element written once (softmax reads and writes n elements, logsumexp reads n and"
                        + " writes one per row), as STREAM counts its copy. A fraction is a result's GB/s over the copy"
                        + " ceiling of the same thread count (best copy sample), for a device backend over its own"
                        + " device-to-device copy, timed by the device. The compute roof is the machine's rate of the SIMD kernels' own exp, held in registers, in the op's effective GB/s (one exp per element; the rest of the op's arithmetic comes on top, so it is a bound); a point's wall is the lower of the two roofs. Error bars: min-max of the samples (thin), interquartile (thick). Times are wall-clock on whatever else"
                        + " the machine was doing: on a shared machine they are noisy.</p>\n");

        b.append("<h2>Machine and run</h2>\n<table>\n");
        MachineRows.of(report).forEach((name, value) -> row(b, name, value));
        b.append("</table>\n");

        b.append("<h2>Ceilings</h2>\n<table>\n<tr><th>ceiling</th><th>device</th><th>bytes per copy (read + written)</th>"
                + "<th>best GB/s</th><th>median GB/s</th><th>samples</th></tr>\n");
        for (Ceiling c : report.ceilings()) {
            b.append("<tr><td>").append(esc(c.label())).append("</td><td>").append(esc(c.device())).append("</td>");
            num(b, String.format(Locale.ROOT, "%,d", c.bytes()));
            num(b, String.format(Locale.ROOT, "%.2f", c.gbps()));
            num(b, String.format(Locale.ROOT, "%.2f", Traffic.gigabytesPerSecond(c.bytes(), c.samples().medianMs())));
            num(b, Integer.toString(c.samples().count()));
            b.append("</tr>\n");
        }
        b.append("</table>\n");
        roofs(b, report.roofs());

        if (!report.notes().isEmpty() || !report.failures().isEmpty()) {
            b.append("<h2>Notes</h2>\n<ul>\n");
            report.failures().forEach(f -> b.append("<li><b>failed:</b> ").append(esc(f)).append("</li>\n"));
            report.notes().forEach(n -> b.append("<li class=\"note\">").append(esc(n)).append("</li>\n"));
            b.append("</ul>\n");
        }

        for (ComparisonTable t : ComparisonTable.of(report)) {
            table(b, t);
        }

        if (!charts.isEmpty()) {
            b.append("<h2>Charts</h2>\n");
            images(b, charts);
        }

        if (!report.transfers().isEmpty()) {
            b.append("<h2>Host-device transfers (timed apart from compute)</h2>\n<table>\n<tr><th>backend</th>"
                    + "<th>direction</th><th>dtype</th><th>shape</th><th>bytes</th><th>median ms</th><th>GB/s</th></tr>\n");
            for (TransferResult t : report.transfers()) {
                b.append("<tr><td>").append(esc(t.label())).append("</td><td>").append(esc(t.direction()))
                        .append("</td><td>").append(esc(t.dtype())).append("</td><td>").append(t.rows()).append('x')
                        .append(t.cols()).append("</td>");
                num(b, String.format(Locale.ROOT, "%,d", t.bytes()));
                num(b, String.format(Locale.ROOT, "%.4f", t.timing().medianMs()));
                num(b, String.format(Locale.ROOT, "%.2f", t.gbps()));
                b.append("</tr>\n");
            }
            b.append("</table>\n");
        }

        b.append("<h2>Devices</h2>\n<ul>\n");
        report.results().stream().map(r -> r.label() + ": " + r.device()).distinct()
                .forEach(d -> b.append("<li>").append(esc(d)).append("</li>\n"));
        b.append("</ul>\n<p class=\"note\">Raw figures: results.json beside this file.</p>\n</body>\n</html>\n");
        return b.toString();
    }

    /** The compute roofs: exps per second of the kernels' exp in registers. */
    static void roofs(StringBuilder b, List<ComputeRoof> roofs) {
        if (roofs.isEmpty()) {
            return;
        }
        b.append("<h2>Compute roofs (the SIMD kernels' exp in registers, no memory traffic)</h2>\n<table>\n"
                + "<tr><th>roof</th><th>lanes</th><th>best G exp/s</th><th>median G exp/s</th><th>samples</th>"
                + "<th>softmax GB/s at this rate</th></tr>\n");
        for (ComputeRoof r : roofs) {
            int width = r.dtype().equals("float64") ? Double.BYTES : Float.BYTES;
            b.append("<tr><td>").append(esc(r.label())).append("</td>");
            num(b, Integer.toString(r.lanes()));
            num(b, String.format(Locale.ROOT, "%.2f", r.elementsPerSecond() / 1e9));
            num(b, String.format(Locale.ROOT, "%.2f", r.elementsPerCall() / (r.samples().medianMs() * 1e-3) / 1e9));
            num(b, Integer.toString(r.samples().count()));
            num(b, String.format(Locale.ROOT, "%.1f", r.elementsPerSecond() * 2 * width / 1e9));
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    /** A comparison table under its title: names left, figures right-aligned. */
    static void table(StringBuilder b, ComparisonTable t) {
        b.append("<h2>").append(esc(t.title())).append("</h2>\n<table>\n<tr>");
        t.head().forEach(h -> b.append("<th>").append(esc(h)).append("</th>"));
        b.append("</tr>\n");
        for (List<String> r : t.rows()) {
            b.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                b.append(i < 3 ? "<td>" : "<td class=\"n\">").append(esc(r.get(i))).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    /** The charts, embedded as base64 data URIs. */
    static void images(StringBuilder b, List<ReportCharts.Chart> charts) {
        for (ReportCharts.Chart c : charts) {
            b.append("<img alt=\"").append(esc(c.title())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(c.png())).append("\">\n");
        }
    }

    static void row(StringBuilder b, String name, String value) {
        b.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
    }

    static void num(StringBuilder b, String value) {
        b.append("<td class=\"n\">").append(esc(value)).append("</td>");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
