package dev.softmaxengine.bench;

import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RatioReportTest {
    private static String result(String shape, String backend, int threads, double score, String unit) {
        return """
                {"benchmark": "dev.softmaxengine.bench.SoftmaxBenchmark.softmax", "mode": "thrpt",
                 "params": {"shape": "%s", "backend": "%s", "threads": "%d"},
                 "primaryMetric": {"score": %s, "scoreError": "NaN", "scoreUnit": "%s"}}
                """.formatted(shape, backend, threads, score, unit);
    }

    @Test
    void ratiosUseTheOneThreadScalarRunAndConvertUnits() {
        String json = "[" + String.join(",",
                result("4096x256", "scalar", 1, 10, "ops/s"),
                result("4096x256", "scalar", 2, 20, "ops/s"),
                result("4096x256", "simd", 2, 0.2, "ops/ms"),
                result("4096x256", "onnxruntime", 2, 50, "ops/s"),
                result("64x1048576", "simd", 1, 3, "ops/s")) + "]";
        List<RatioReport.Row> rows = RatioReport.parse(new StringReader(json));

        assertEquals(List.of("4096x256/1", "4096x256/2", "64x1048576/1"),
                rows.stream().map(r -> r.shape() + "/" + r.threads()).toList());
        RatioReport.Row wide = rows.get(1);
        assertEquals(200 / 10.0, RatioReport.simdOver(rows, wide, RatioReport.SCALAR), 1e-12);
        assertEquals(200 / 50.0, RatioReport.simdOver(rows, wide, SoftmaxBenchmark.ONNXRUNTIME), 1e-12);
        assertEquals(200 * 4096 * 256 * 8 / 1e9, wide.gigabytesPerSecond(RatioReport.SIMD), 1e-12);
        assertTrue(Double.isNaN(RatioReport.simdOver(rows, rows.get(2), RatioReport.SCALAR)));
        assertTrue(RatioReport.render(rows).contains("20.00x"));
    }

    @Test
    void rejectsAverageTimeResults() {
        String json = "[" + result("4096x256", "simd", 1, 3, "s/op") + "]";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RatioReport.parse(new StringReader(json)));
        assertTrue(e.getMessage().startsWith("score unit is 's/op'"), e.getMessage());
    }
}
