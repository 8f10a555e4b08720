package dev.softmaxengine.bench.suite;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The report's PNG charts, drawn by XChart without a display: per op and dtype, effective GB/s
 * against row length for the large (or {@code --shapes}) batches, and the small batches' time per
 * call. Every point has error bars: a thin one from the slowest to the fastest sample, a thick one
 * over the interquartile range. The bandwidth charts draw both roofs per thread count: the memory
 * roof (the copy ceiling, dashed), the compute roof (the exp throughput in this op's GB/s, dotted)
 * and the lower of the two as a wide pale line, so each point shows which wall it is near.
 */
public final class ReportCharts {
    private static final int WIDTH = 960;
    private static final int HEIGHT = 560;
    /** Legend lines that fit under the plot at {@link #HEIGHT}; each one more makes the chart this much taller. */
    private static final int LEGEND_FREE = 8;
    private static final int LEGEND_LINE = 21;
    /** Series colours that stay apart from each other (Tableau 10); XChart's own has two yellows. */
    private static final Color[] SERIES = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};
    /** Roofline colours, by the order ceilings appear: dark, dashed, apart from the series. */
    /** Neighbouring series stand this factor apart on the log x axis, so that their error bars do not overlap. */
    private static final double SHIFT = 1.08;
    private static final Color[] ROOF = {Color.BLACK, new Color(0x80, 0x00, 0x00), new Color(0x00, 0x40, 0x80),
        new Color(0x00, 0x60, 0x20)};

    /** One chart: its file name in the output folder, a title for the HTML, and the PNG. */
    public record Chart(String fileName, String title, byte[] png) {
    }

    private ReportCharts() {
    }

    public static List<Chart> render(SuiteReport report) {
        // AWT must not look for a display: the command runs on servers and in CI.
        System.setProperty("java.awt.headless", "true");
        Map<String, List<CaseResult>> groups = new LinkedHashMap<>();
        List<CaseResult> sorted = new ArrayList<>(report.results());
        sorted.sort(Comparator.comparingInt((CaseResult r) -> report.plan().ops().indexOf(r.op()))
                .thenComparing(CaseResult::dtype));
        for (CaseResult r : sorted) {
            groups.computeIfAbsent(r.batch() + "/" + r.op() + "/" + r.dtype(), k -> new ArrayList<>()).add(r);
        }
        // One colour per contender across every chart.
        Map<String, Color> colours = new LinkedHashMap<>();
        report.results().forEach(r -> colours.computeIfAbsent(r.label(), k -> SERIES[colours.size() % SERIES.length]));
        List<Chart> charts = new ArrayList<>();
        for (List<CaseResult> g : groups.values()) {
            CaseResult first = g.getFirst();
            charts.add(first.batch().equals(SweepPlan.SMALL) ? latency(g, colours) : bandwidth(report, g, colours));
        }
        return charts;
    }

    private static Chart bandwidth(SuiteReport report, List<CaseResult> group, Map<String, Color> colours) {
        CaseResult first = group.getFirst();
        String title = first.op() + " " + first.dtype() + ": effective GB/s, "
                + (first.batch().equals(SweepPlan.CUSTOM) ? "shapes of --shapes"
                        : "batches of " + report.plan().batchBytes() / SweepPlan.MIB + " MiB");
        Map<String, List<CaseResult>> series = bySeries(group);
        long ceilings = group.stream().map(CaseResult::ceiling).filter(id -> id != null).distinct().count();
        XYChart chart = chart(title, "effective GB/s, median (bars: min-max, IQR), log",
                series.size() + 3 * (int) ceilings);
        int i = 0;
        for (Map.Entry<String, List<CaseResult>> e : series.entrySet()) {
            double shift = shift(i++, series.size());
            Color colour = colours.get(e.getKey());
            line(chart, e.getKey(), colour, e.getValue(), shift, CaseResult::gbps);
            bars(chart, colour, e.getValue(), shift, r -> Traffic.gigabytesPerSecond(r.bytes(), r.timing().maxMs()),
                    r -> Traffic.gigabytesPerSecond(r.bytes(), r.timing().minMs()),
                    r -> Traffic.gigabytesPerSecond(r.bytes(), r.timing().p75Ms()),
                    r -> Traffic.gigabytesPerSecond(r.bytes(), r.timing().p25Ms()));
        }
        roofs(report, group, chart);
        return encode("gbps-" + first.op() + "-" + first.dtype() + ".png", title, chart);
    }

    /**
     * Per memory ceiling that bounds a result of {@code group} (one per run and thread count): the
     * memory roof, the compute roof of the same run and threads, and the lower of the two.
     */
    private static void roofs(SuiteReport report, List<CaseResult> group, XYChart chart) {
        double minCols = group.stream().mapToLong(CaseResult::cols).min().orElseThrow();
        double maxCols = group.stream().mapToLong(CaseResult::cols).max().orElseThrow();
        Map<String, List<CaseResult>> byCeiling = new LinkedHashMap<>();
        group.stream().filter(r -> r.ceiling() != null)
                .forEach(r -> byCeiling.computeIfAbsent(r.ceiling(), k -> new ArrayList<>()).add(r));
        int i = 0;
        for (Map.Entry<String, List<CaseResult>> e : byCeiling.entrySet()) {
            Ceiling c = report.ceiling(e.getKey());
            if (c == null) {
                continue;
            }
            Color colour = ROOF[i % ROOF.length];
            i++;
            XYSeries memory = chart.addSeries(String.format(Locale.ROOT, "memory roof: %s, %.1f GB/s", c.label(),
                    c.gbps()), new double[] {minCols, maxCols}, new double[] {c.gbps(), c.gbps()});
            style(memory, colour, SeriesLines.DASH_DASH, 1.5f);
            // One result per row length carries the compute roof of its run and threads.
            Map<Long, CaseResult> perCols = new TreeMap<>();
            e.getValue().stream().filter(r -> r.computeRoofGbps() != null).forEach(r -> perCols.putIfAbsent(r.cols(), r));
            if (perCols.isEmpty()) {
                continue;
            }
            double[] xs = perCols.keySet().stream().mapToDouble(Long::doubleValue).toArray();
            double[] compute = perCols.values().stream().mapToDouble(CaseResult::computeRoofGbps).toArray();
            double[] lower = new double[compute.length];
            for (int k = 0; k < lower.length; k++) {
                lower[k] = Math.min(compute[k], c.gbps());
            }
            ComputeRoof roof = report.roof(perCols.values().iterator().next().computeRoof());
            String name = roof == null ? "exp" : roof.label();
            XYSeries exp = chart.addSeries(String.format(Locale.ROOT, "compute roof: %s, %.1f GB/s", name,
                    compute[0]), xs, compute);
            style(exp, colour, SeriesLines.DOT_DOT, 1.5f);
            XYSeries min = chart.addSeries(String.format(Locale.ROOT, "roof: min(memory, compute), %s: %s wall",
                    c.label(), compute[0] < c.gbps() ? "compute" : "memory"), xs, lower);
            style(min, new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 60), SeriesLines.SOLID, 9f);
        }
    }

    private static void style(XYSeries s, Color colour, BasicStroke line, float width) {
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(new BasicStroke(width, line.getEndCap(), line.getLineJoin(), line.getMiterLimit(),
                line.getDashArray(), line.getDashPhase()));
        s.setLineColor(colour);
    }

    /**
     * Error bars of {@code rs}: {@code lo}-{@code hi} thin, {@code q1}-{@code q3} thick (where the
     * quartiles are known), each a two-point series left out of the legend.
     */
    /** A factor on x for series {@code i} of {@code n}: on the log axis the series stand a little apart, their bars too. */
    private static double shift(int i, int n) {
        return Math.pow(SHIFT, i - (n - 1) / 2.0);
    }

    private static void bars(XYChart chart, Color colour, List<CaseResult> rs, double shift, ToDoubleFunction<CaseResult> lo,
                             ToDoubleFunction<CaseResult> hi, ToDoubleFunction<CaseResult> q1,
                             ToDoubleFunction<CaseResult> q3) {
        for (CaseResult r : rs) {
            bar(chart, colour, r.cols() * shift, lo.applyAsDouble(r), hi.applyAsDouble(r), 1f);
            if (r.timing().hasPercentiles()) {
                bar(chart, colour, r.cols() * shift, q1.applyAsDouble(r), q3.applyAsDouble(r), 4f);
            }
        }
    }

    private static void bar(XYChart chart, Color colour, double x, double lo, double hi, float width) {
        XYSeries s = chart.addSeries("bar " + chart.getSeriesMap().size(), new double[] {x, x}, new double[] {lo, hi});
        style(s, colour, SeriesLines.SOLID, width);
        s.setShowInLegend(false);
    }

    private static Chart latency(List<CaseResult> group, Map<String, Color> colours) {
        CaseResult first = group.getFirst();
        String title = first.op() + " " + first.dtype() + ": time per call, " + first.rows()
                + (first.rows() == 1 ? " row" : " rows");
        Map<String, List<CaseResult>> series = bySeries(group);
        XYChart chart = chart(title, "us per call, median (bars: min-max, IQR), log", series.size());
        int i = 0;
        for (Map.Entry<String, List<CaseResult>> e : series.entrySet()) {
            double shift = shift(i++, series.size());
            Color colour = colours.get(e.getKey());
            line(chart, e.getKey(), colour, e.getValue(), shift, r -> r.timing().medianMs() * 1e3);
            bars(chart, colour, e.getValue(), shift, r -> r.timing().minMs() * 1e3, r -> r.timing().maxMs() * 1e3,
                    r -> r.timing().p25Ms() * 1e3, r -> r.timing().p75Ms() * 1e3);
        }
        return encode("latency-" + first.op() + "-" + first.dtype() + ".png", title, chart);
    }

    /** A chart tall enough for its plot and a legend of {@code legendEntries} lines below it. */
    private static XYChart chart(String title, String yTitle, int legendEntries) {
        int height = HEIGHT + LEGEND_LINE * Math.max(0, legendEntries - LEGEND_FREE);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(height).title(title)
                .xAxisTitle("columns (length of the softmax axis), log scale").yAxisTitle(yTitle).build();
        XYStyler s = chart.getStyler();
        // Log on both axes: rows span 2^5..2^20 and speeds span 100x between scalar and SIMD.
        s.setXAxisLogarithmic(true);
        s.setYAxisLogarithmic(true);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xDD, 0xDD, 0xDD));
        s.setMarkerSize(7);
        s.setDecimalPattern("#,##0.##");
        return chart;
    }

    private static Map<String, List<CaseResult>> bySeries(List<CaseResult> group) {
        Map<String, List<CaseResult>> series = new LinkedHashMap<>();
        for (CaseResult r : group) {
            series.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
        }
        series.values().forEach(rs -> rs.sort(Comparator.comparingLong(CaseResult::cols)));
        return series;
    }

    private static void line(XYChart chart, String label, Color colour, List<CaseResult> rs, double shift,
                             ToDoubleFunction<CaseResult> y) {
        double[] xs = rs.stream().mapToDouble(r -> r.cols() * shift).toArray();
        double[] ys = rs.stream().mapToDouble(y).toArray();
        XYSeries series = chart.addSeries(label, xs, ys);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setLineStyle(SeriesLines.SOLID);
        series.setLineColor(colour);
        series.setMarkerColor(colour);
    }

    private static Chart encode(String fileName, String title, XYChart chart) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (XYSeries series : chart.getSeriesMap().values()) {
            for (double y : series.getYData()) {
                lo = Math.min(lo, y);
                hi = Math.max(hi, y);
            }
        }
        // A factor of two of room on the log axis, so that no roofline or point is drawn on the frame.
        chart.getStyler().setYAxisMin(lo / 2);
        chart.getStyler().setYAxisMax(hi * 2);
        try {
            return new Chart(fileName, title, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("encoding " + fileName, e);
        }
    }
}
