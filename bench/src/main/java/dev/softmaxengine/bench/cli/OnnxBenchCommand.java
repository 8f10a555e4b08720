package dev.softmaxengine.bench.cli;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.bench.models.OnnxScoringComparison;
import dev.softmaxengine.bench.suite.OptionalLibraries;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.FashionMnist;
import dev.softmaxengine.models.data.TabularCsv;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-onnx} (was {@code models bench-onnx}): rows/s of an imported .onnx model against an ONNX
 * Runtime session of the same file.
 */
@Command(name = "bench-onnx",
        mixinStandardHelpOptions = true,
        description = {"Scores the same rows with an .onnx linear classifier imported here (simd backend) and with an ONNX"
                + " Runtime session at equal threads, alternating rep by rep, and prints rows/s (median, best) and the ratio.",
                "The graph must output tensors (no ZipMap) and int64 labels if any."})
final class OnnxBenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "The .onnx model.")
    Path model;

    static final String DEFAULT_DIGITS = "../shared/data/tabular/digits.csv.gz";
    static final String FASHION = "fashion-mnist:";

    @Option(names = "--data", defaultValue = DEFAULT_DIGITS,
            description = {"A table (.csv, .tsv, optionally .gz; see models' TabularCsv) or fashion-mnist:train |"
                    + " fashion-mnist:t10k[:DIR].", "Default: ${DEFAULT-VALUE}."})
    String data;

    @Option(names = "--rows", defaultValue = "100000", description = "Rows per pass: --data tiled (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--batch", defaultValue = "1024", description = "Rows per call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", split = ",", defaultValue = "1",
            description = "Thread counts to compare at (default: ${DEFAULT-VALUE}).")
    List<Integer> threads;

    @Option(names = "--reps", defaultValue = "5", description = "Alternating reps (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--seconds", defaultValue = "1", description = "Seconds per contender per rep (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (rows < 1 || batch < 1 || reps < 1 || !(seconds > 0)) {
            throw new IllegalArgumentException("--rows, --batch, --reps and --seconds must be positive");
        }
        String missing = OptionalLibraries.onnxRuntimeMissing();
        if (missing != null) {
            throw new IllegalStateException("bench-onnx times ONNX Runtime: " + missing);
        }
        Dataset d = read(data);
        float[] x = new float[Math.multiplyExact(rows, d.features())];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(d.x(), (i % d.rows()) * d.features(), x, i * d.features(), d.features());
        }
        out.printf(Locale.ROOT, "%s on %s: %d rows x %d features, batches of %d; %d reps of %.1f s each, alternating%n",
                model, data, rows, d.features(), batch, reps, seconds);
        out.printf(Locale.ROOT, "%n| threads | softmax-engine rows/s (median, best) | ONNX Runtime rows/s (median, best) | ratio of medians"
                + " | max abs diff of p (first batch) | label mismatches |%n|---|---|---|---|---|---|%n");
        out.flush();
        for (int t : threads) {
            // One kernel per run: batches stay below its parallel threshold, so the threads here are the only ones.
            try (SoftmaxKernel kernel = Backends.create("simd")) {
                OnnxScoringComparison.Comparison c = OnnxScoringComparison.run(model, kernel, x, rows, batch, t, reps, seconds,
                        spec.commandLine().getErr());
                out.printf(Locale.ROOT, "| %d | %.0f, %.0f | %.0f, %.0f | **%.2fx** | %.2e | %d |%n", t, c.ours().median(),
                        c.ours().best(), c.ort().median(), c.ort().best(), c.ratio(), c.maxProbabilityDiff(), c.labelMismatches());
                out.flush();
            }
        }
        return 0;
    }

    /** The rows {@code --data} names: a Fashion-MNIST split, or a table. */
    static Dataset read(String data) throws IOException {
        if (data.startsWith(FASHION)) {
            String rest = data.substring(FASHION.length());
            int colon = rest.indexOf(':');
            String split = colon < 0 ? rest : rest.substring(0, colon);
            if (!split.equals("train") && !split.equals("t10k")) {
                throw new IllegalArgumentException("--data " + data + ": the Fashion-MNIST split must be train or t10k,"
                        + " was '" + split + "'");
            }
            Path dir = colon < 0 ? FashionMnist.DEFAULT_DIR : Path.of(rest.substring(colon + 1));
            try (var rows = FashionMnist.open(dir, split)) {
                return rows.readAll();
            }
        }
        return TabularCsv.read(Path.of(data));
    }
}
