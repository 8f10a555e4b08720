package dev.softmaxengine.cli.models;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.BatchScorer;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Classifiers;
import dev.softmaxengine.models.data.RowSource;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code models score}: streams a file through a saved model in batches, with a progress bar. */
@Command(name = "score",
        mixinStandardHelpOptions = true,
        description = {"Scores every row of --data with a saved model, batch by batch (constant memory), showing a"
                + " progress bar on stderr; prints the accuracy against the file's labels and the rows/s.",
                "With --out, writes one CSV line per row: label,predicted,P(class 0),...,P(class K-1)."})
final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A model saved by 'models train --out'.")
    Path modelPath;

    @Option(names = "--data", required = true, description = DataSpec.HELP)
    String data;

    @Option(names = "--batch", defaultValue = "1024", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", description = "Write the predictions and probabilities here (CSV).")
    Path output;

    @Option(names = "--no-progress", negatable = false, description = "Do not draw the progress bar.")
    boolean noProgress;

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
        DataSpec source = DataSpec.parse(data);
        try (SoftmaxKernel kernel = backend.create();
             RowSource rows = source.open();
             BufferedWriter csv = output == null ? null : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            Classifier model = Classifiers.load(modelPath, kernel);
            if (csv != null) {
                csv.write("label,predicted");
                for (String name : model.classNames()) {
                    csv.write(",p_" + name.replace(',', '_'));
                }
                csv.newLine();
            }
            int k = model.classes();
            StringBuilder line = new StringBuilder();
            BatchScorer.Sink sink = csv == null ? null : (m, labels, predicted, p) -> {
                for (int i = 0; i < m; i++) {
                    line.setLength(0);
                    line.append(labels[i]).append(',').append(predicted[i]);
                    for (int c = 0; c < k; c++) {
                        line.append(',').append(String.format(Locale.ROOT, "%.6g", p[i * k + c]));
                    }
                    csv.write(line.toString());
                    csv.newLine();
                }
            };
            ProgressBar bar = noProgress ? null : new ProgressBar(spec.commandLine().getErr());
            BatchScorer.Summary s = new BatchScorer(model, batch).score(rows, bar, sink);
            if (bar != null) {
                bar.finish();
            }
            out.printf(Locale.ROOT, "scored %d rows of %s with %s (%s) in %.3f s: accuracy %.4f (%d/%d)%n",
                    s.rows(), source, modelPath, model.kind(), s.seconds(), s.accuracy(), s.correct(), s.rows());
            out.printf(Locale.ROOT, "%.0f rows/s end to end (reading included); %.0f rows/s scoring (GEMM + %s softmax + argmax,"
                    + " batches of %d)%n", s.rowsPerSecond(), s.scoringRowsPerSecond(), kernel.backend(), batch);
            if (output != null) {
                out.println("wrote " + output);
            }
        }
        out.flush();
        return 0;
    }
}
