package dev.softmaxengine.cli.models;

import dev.softmaxengine.cli.BackendOption;
import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.LineDelimiter;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.BatchScorer;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Classifiers;
import dev.softmaxengine.models.data.RowSource;
import dev.softmaxengine.models.data.TabularCsv;
import dev.softmaxengine.models.io.TempFiles;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code models score}: streams a file through a model in batches, writing the predictions. */
@Command(name = "score",
        mixinStandardHelpOptions = true,
        description = {"Scores every row of --data with a saved or ONNX model, batch by batch (constant memory); prints"
                + " the accuracy when the data has labels, and the rows/s.",
                "With --out, writes a CSV: the --id-col values, predicted (the class name), then p_<class> for every class,"
                        + " or with --top-k K the K most probable classes and their probabilities. The file appears only"
                        + " when complete."})
final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--model", required = true,
            description = "A model saved by 'models train --out' or 'models import', or an ONNX linear classifier (.onnx).")
    Path modelPath;

    @Option(names = "--data", required = true, description = DataSpec.HELP)
    String data;

    @Option(names = "--batch", defaultValue = "1024", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", description = "Write the predictions here (CSV).")
    Path output;

    @Option(names = "--top-k", paramLabel = "K", description = "Write the K most probable classes per row instead of every p_<class>.")
    Integer topK;

    @Option(names = "--no-progress", negatable = false, description = "Never draw the progress bar.")
    boolean noProgress;

    @Option(names = "--progress", negatable = false,
            description = "Draw the progress bar even when stderr is not a terminal (by default only on a terminal).")
    boolean progress;

    @Mixin
    TableOptions table;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, was " + batch);
        }
        if (output != null && Files.isDirectory(output)) {
            throw new IllegalArgumentException("--out " + output + ": is a directory");
        }
        if (output != null && !Files.isDirectory(output.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException("--out " + output + ": directory " + output.toAbsolutePath().getParent()
                    + " does not exist");
        }
        DataSpec source = DataSpec.parse(data);
        try (SoftmaxKernel kernel = backend.create()) {
            Classifier model = Classifiers.load(modelPath, kernel);
            table.useFeatureNamesOf(modelPath);
            int k = model.classes();
            BatchScorer.requireBatchFits("--batch", batch, model);
            if (topK != null && (topK < 1 || topK > k)) {
                throw new IllegalArgumentException("--top-k must be in [1, " + k + "] (the model's classes), was " + topK);
            }
            try (RowSource rows = source.open(table, model.classNames(), model.features(), true)) {
                String idName = rows instanceof TabularCsv t ? t.idName() : null;
                Predictions predictions = output == null ? null : new Predictions(output, idName, model.classNames(), topK);
                try (predictions) {
                    BatchScorer.Sink sink = predictions == null ? null : (m, labels, predicted, p) ->
                            predictions.write(m, rows instanceof TabularCsv t ? t.ids() : null, predicted, p);
                    ProgressBar bar = noProgress ? null : ProgressBar.onStderr(spec.commandLine().getErr(), progress);
                    BatchScorer.Summary s = new BatchScorer(model, batch).score(rows, bar, sink);
                    if (bar != null) {
                        bar.finish();
                    }
                    if (predictions != null) {
                        predictions.commit();
                    }
                    out.printf(Locale.ROOT, "scored %d rows of %s with %s (%s) in %.3f s%s%n", s.rows(), source, modelPath,
                            model.kind(), s.seconds(), s.labelled() == 0 ? "; no labels"
                                    : String.format(Locale.ROOT, ": accuracy %.4f (%d/%d)", s.accuracy(), s.correct(), s.labelled()));
                    out.printf(Locale.ROOT, "%.0f rows/s end to end (reading included); %.0f rows/s scoring (%s softmax + argmax,"
                            + " batches of %d)%n", s.rowsPerSecond(), s.scoringRowsPerSecond(), kernel.backend(), batch);
                }
            }
            if (output != null) {
                out.println("wrote " + output);
            }
        }
        out.flush();
        return 0;
    }

    /**
     * The predictions CSV, written to a hidden file beside the target and renamed over it by
     * {@link #commit}; closing without a commit deletes it, so a bad row leaves no partial output.
     */
    static final class Predictions implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final CsvWriter csv;
        private final boolean ids;
        private final List<String> classes;
        private final Integer topK;
        private final List<String> record = new ArrayList<>();
        private boolean committed;

        Predictions(Path target, String idName, List<String> classes, Integer topK) throws IOException {
            this.target = target;
            this.temp = TempFiles.createBeside(target);
            this.csv = CsvWriter.builder().lineDelimiter(LineDelimiter.LF).build(temp, StandardCharsets.UTF_8, TempFiles.reopen());
            this.ids = idName != null;
            this.classes = classes;
            this.topK = topK;
            if (ids) {
                record.add(idName);
            }
            record.add("predicted");
            if (topK == null) {
                for (String c : classes) {
                    record.add("p_" + c);
                }
            } else {
                for (int r = 1; r <= topK; r++) {
                    record.add("class_" + r);
                    record.add("p_" + r);
                }
            }
            csv.writeRecord(record);
        }

        void write(int m, String[] idValues, int[] predicted, double[] p) throws IOException {
            int k = classes.size();
            Integer[] order = topK == null ? null : new Integer[k];
            for (int i = 0; i < m; i++) {
                record.clear();
                if (ids) {
                    record.add(idValues[i]);
                }
                record.add(classes.get(predicted[i]));
                if (order == null) {
                    for (int c = 0; c < k; c++) {
                        record.add(probability(p[i * k + c]));
                    }
                } else {
                    final int row = i;
                    Arrays.setAll(order, c -> c);
                    // Most probable first; ties keep the class order, as argmax does.
                    Arrays.sort(order, (a, b) -> Double.compare(p[row * k + b], p[row * k + a]));
                    for (int r = 0; r < topK; r++) {
                        record.add(classes.get(order[r]));
                        record.add(probability(p[i * k + order[r]]));
                    }
                }
                csv.writeRecord(record);
            }
        }

        /** Float32's shortest round-trip text: the probabilities are float32-accurate at best anyway. */
        private static String probability(double v) {
            return Float.toString((float) v);
        }

        void commit() throws IOException {
            csv.close();
            TempFiles.commit(temp, target);
            committed = true;
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                try {
                    csv.close();
                } finally {
                    TempFiles.discard(temp);
                }
            }
        }
    }
}
