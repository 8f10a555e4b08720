package dev.softmaxengine.bench.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a report's folder: {@code results.json}, one PNG per chart and {@code report.html}; no
 * charts where {@link OptionalLibraries#chartsMissing()} says why (the caller notes it).
 */
public final class ReportFiles {
    public static final String RESULTS = "results.json";
    public static final String HTML = "report.html";

    private ReportFiles() {
    }

    /** Writes into {@code dir} (created if absent); returns the files written, results.json first, report.html last. */
    public static List<Path> write(SuiteReport report, Path dir) throws IOException {
        if (report == null || dir == null) {
            throw new IllegalArgumentException("report and dir must not be null");
        }
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Path json = dir.resolve(RESULTS);
        ResultsJson.write(report, json);
        written.add(json);
        List<ReportCharts.Chart> charts = OptionalLibraries.chartsMissing() == null ? ReportCharts.render(report) : List.of();
        for (ReportCharts.Chart c : charts) {
            Path png = dir.resolve(c.fileName());
            Files.write(png, c.png());
            written.add(png);
        }
        Path html = dir.resolve(HTML);
        Files.writeString(html, HtmlReport.render(report, charts), StandardCharsets.UTF_8);
        written.add(html);
        return written;
    }
}
