package dev.softmaxengine.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the JSON results of {@link SoftmaxBenchmark} ({@code -rf json}) and prints, per shape and
 * thread count, each backend's effective GB/s and the ratios SIMD/scalar and SIMD/ONNX Runtime.
 *
 * <p>The scalar oracle is single-threaded, so SIMD/scalar divides by the scalar run at one thread
 * whenever the results have it.
 */
public final class RatioReport {
    static final String SCALAR = "scalar";
    static final String SIMD = "simd";

    /** One backend's measurement, in softmax calls per second, with JMH's 99.9% error half-width. */
    public record Score(double callsPerSecond, double error) {
    }

    /** The measurements of one shape at one thread count, keyed by backend. */
    public record Row(BenchShape shape, int threads, Map<String, Score> scores) {
        public double gigabytesPerSecond(String backend) {
            Score s = scores.get(backend);
            return s == null ? Double.NaN : s.callsPerSecond() * shape.bytesPerCall() / 1e9;
        }
    }

    private RatioReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: RatioReport <jmh-results.json>");
            System.exit(2);
        }
        List<Row> rows;
        try (Reader r = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            rows = parse(r);
        } catch (IllegalArgumentException | JsonParseException e) {
            System.err.println("RatioReport: " + args[0] + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.print(render(rows));
    }

    /** The softmax results of a JMH JSON file, ordered by cols, then rows, then threads. */
    public static List<Row> parse(Reader json) {
        JsonElement root = JsonParser.parseReader(json);
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException("expected a JMH result array");
        }
        Map<String, Row> byKey = new LinkedHashMap<>();
        for (JsonElement e : root.getAsJsonArray()) {
            JsonObject result = e.getAsJsonObject();
            if (!result.get("benchmark").getAsString().equals(SoftmaxBenchmark.class.getName() + ".softmax")) {
                continue;
            }
            JsonObject params = result.getAsJsonObject("params");
            BenchShape shape = BenchShape.parse(params.get("shape").getAsString());
            int threads = params.get("threads").getAsInt();
            String backend = params.get("backend").getAsString();
            JsonObject metric = result.getAsJsonObject("primaryMetric");
            double perSecond = perSecond(metric.get("scoreUnit").getAsString());
            double error = metric.get("scoreError").getAsDouble();
            // JMH writes "NaN" when a single iteration leaves no error estimate.
            Score score = new Score(metric.get("score").getAsDouble() * perSecond,
                    Double.isNaN(error) ? 0 : error * perSecond);
            byKey.computeIfAbsent(shape + "/" + threads, k -> new Row(shape, threads, new TreeMap<>()))
                    .scores().put(backend, score);
        }
        List<Row> rows = new ArrayList<>(byKey.values());
        rows.sort(Comparator.comparingLong((Row r) -> r.shape().cols())
                .thenComparingLong(r -> r.shape().rows())
                .thenComparingInt(Row::threads));
        return rows;
    }

    /** How many of a throughput score unit's time units make a second: {@code ops/<unit>} times this is ops/s. */
    private static double perSecond(String unit) {
        return switch (unit) {
            case "ops/ns" -> 1e9;
            case "ops/us" -> 1e6;
            case "ops/ms" -> 1e3;
            case "ops/s" -> 1;
            case "ops/min" -> 1.0 / 60;
            default -> throw new IllegalArgumentException("score unit is '" + unit
                    + "', expected a throughput (ops/<time>): run in the benchmark's default -bm thrpt");
        };
    }

    /** SIMD over {@code baseline} in calls per second; NaN when either was not measured. */
    public static double simdOver(List<Row> rows, Row row, String baseline) {
        return over(rows, row, SIMD, baseline);
    }

    /** {@code backend} over {@code baseline} in calls per second; NaN when either was not measured. */
    public static double over(List<Row> rows, Row row, String backend, String baseline) {
        Score simd = row.scores().get(backend);
        Score base = row.scores().get(baseline);
        if (baseline.equals(SCALAR)) {
            for (Row r : rows) {
                if (r.shape().equals(row.shape()) && r.threads() == 1 && r.scores().containsKey(SCALAR)) {
                    base = r.scores().get(SCALAR);
                }
            }
        }
        return simd == null || base == null ? Double.NaN : simd.callsPerSecond() / base.callsPerSecond();
    }

    public static String render(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("softmax fp32, effective GB/s = calls/s x rows x cols x ")
                .append(BenchShape.BYTES_PER_ELEMENT).append(" B (one read, one write per element)\n");
        b.append(String.format(Locale.ROOT, "%-12s %7s %16s %16s %16s %16s %12s %10s %12s%n",
                "shape", "threads", "scalar GB/s", "simd GB/s", "simd[] GB/s", "onnxrt GB/s",
                "simd/scalar", "simd/ort", "simd[]/ort"));
        String ort = SoftmaxBenchmark.ONNXRUNTIME;
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%-12s %7d %16s %16s %16s %16s %12s %10s %12s%n",
                    r.shape(), r.threads(),
                    gb(r, SCALAR), gb(r, SIMD), gb(r, SoftmaxBenchmark.SIMD_ARRAY), gb(r, ort),
                    ratio(simdOver(rows, r, SCALAR)), ratio(simdOver(rows, r, ort)),
                    ratio(over(rows, r, SoftmaxBenchmark.SIMD_ARRAY, ort))));
        }
        b.append("simd: off-heap in and out (as ORT); simd[]: float[] in and out.\n");
        b.append("+- is JMH's 99.9% confidence half-width. scalar is single-threaded: simd/scalar uses its 1-thread run.\n");
        return b.toString();
    }

    private static String gb(Row r, String backend) {
        Score s = r.scores().get(backend);
        if (s == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.3f +- %.3f",
                r.gigabytesPerSecond(backend), s.error() * r.shape().bytesPerCall() / 1e9);
    }

    private static String ratio(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.2fx", x);
    }
}
