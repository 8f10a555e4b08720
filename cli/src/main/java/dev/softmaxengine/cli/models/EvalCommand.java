package dev.softmaxengine.cli.models;

import dev.softmaxengine.cli.BackendOption;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Classifiers;
import dev.softmaxengine.models.Evaluation;
import dev.softmaxengine.models.data.Dataset;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code models eval}: accuracy, log-loss and the confusion matrix of a saved model. */
@Command(name = "eval",
        mixinStandardHelpOptions = true,
        description = "Evaluates a saved model: accuracy, mean log-loss and the confusion matrix (rows: true class).")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A model saved by 'models train --out' or 'models import', or an ONNX linear classifier (.onnx).")
    Path modelPath;

    @Option(names = "--data", required = true, description = DataSpec.HELP)
    String data;

    @Option(names = "--holdout", defaultValue = "0",
            description = "Evaluate only every K-th row, the rows 'train --holdout K' held out (default: ${DEFAULT-VALUE}, all rows).")
    int holdout;

    @Mixin
    TableOptions table;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (SoftmaxKernel kernel = backend.create()) {
            Classifier model = Classifiers.load(modelPath, kernel);
            table.useFeatureNamesOf(modelPath);
            Dataset rows = DataSpec.parse(data).read(table, model.classNames(), model.features(), holdout, true);
            Evaluation e = Evaluation.of(model, rows);
            out.printf(Locale.ROOT, "%s (%s) on %s, %d rows: %s%n", modelPath, model.kind(), data, rows.rows(), e);
            List<String> names = model.classNames();
            if (!e.hasConfusion()) {
                out.printf(Locale.ROOT, "(no confusion matrix: %d classes, more than %d)%n", names.size(),
                        Evaluation.CONFUSION_MAX_CLASSES);
                out.flush();
                return 0;
            }
            int width = 6;
            for (String n : names) {
                width = Math.max(width, n.length());
            }
            out.printf(Locale.ROOT, "%n%" + width + "s", "");
            for (int c = 0; c < names.size(); c++) {
                out.printf(Locale.ROOT, " %6d", c);
            }
            out.println();
            for (int t = 0; t < names.size(); t++) {
                out.printf(Locale.ROOT, "%" + width + "s", names.get(t));
                for (int p = 0; p < names.size(); p++) {
                    out.printf(Locale.ROOT, " %6d", e.confusion()[t][p]);
                }
                out.println();
            }
        }
        out.flush();
        return 0;
    }
}
