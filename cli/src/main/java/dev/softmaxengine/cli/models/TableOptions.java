package dev.softmaxengine.cli.models;

import dev.softmaxengine.models.Classifiers;
import dev.softmaxengine.models.data.TabularCsv;
import dev.softmaxengine.models.io.ModelFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.Option;

/** How {@code --data} is read: the table options of {@link TabularCsv} and the labels of a {@code .npy}. */
final class TableOptions {
    @Option(names = "--no-header", description = "The first line of the CSV is data, not column names.")
    boolean noHeader;

    @Option(names = "--delimiter",
            description = "Field delimiter: one character, or 'tab' (default: the most frequent of , ; TAB | in the first line).")
    String delimiter;

    @Option(names = "--label-col", paramLabel = "NAME|INDEX",
            description = "The label column, by name or 0-based index (default: a column named label, class, target or y;"
                    + " else the last when training, none when scoring).")
    String labelColumn;

    @Option(names = "--id-col", paramLabel = "NAME|INDEX", description = "A column passed through to the predictions (score --out).")
    String idColumn;

    @Option(names = "--features", split = ",", paramLabel = "COL",
            description = "The feature columns, by name or index (default: every other column whose first value is a number).")
    List<String> features;

    @Option(names = "--labels", paramLabel = "Y.npy", description = "Labels of a .npy --data: integers or strings, one per row.")
    Path labels;

    /** The feature names a saved model was trained on (not an option: read from the model file), or null. */
    List<String> modelFeatureNames;

    /** The attribute of a saved model that holds the names of the table columns it was trained on. */
    static final String FEATURE_NAMES = "feature_names";

    /** Reads {@link #FEATURE_NAMES} from a saved model (none from an ONNX file). */
    void useFeatureNamesOf(Path model) throws IOException {
        if (Classifiers.isOnnx(model)) {
            return;
        }
        ModelFile file = ModelFile.read(model);
        if (file.attributes().containsKey(FEATURE_NAMES)) {
            modelFeatureNames = file.strings(FEATURE_NAMES);
        }
    }

    /** The options for {@link TabularCsv#open(Path, TabularCsv.Options)}. */
    TabularCsv.Options csv() {
        Character d = null;
        if (delimiter != null) {
            String s = delimiter.equalsIgnoreCase("tab") || delimiter.equals("\\t") ? "\t" : delimiter;
            if (s.length() != 1) {
                throw new IllegalArgumentException("--delimiter must be one character or 'tab', was '" + delimiter + "'");
            }
            d = s.charAt(0);
        }
        return new TabularCsv.Options().noHeader(noHeader).delimiter(d).labelColumn(labelColumn).idColumn(idColumn)
                .features(features).modelFeatureNames(modelFeatureNames);
    }

    /** Rejects the CSV-only options for a {@code .npy} or Fashion-MNIST source, and {@code --labels} for a CSV. */
    void check(DataSpec spec) {
        boolean npy = spec.npy() != null;
        if (!npy && labels != null) {
            throw new IllegalArgumentException("--labels goes with a .npy --data; a CSV's labels are its --label-col");
        }
        if (spec.csv() == null && (noHeader || delimiter != null || labelColumn != null || idColumn != null || features != null)) {
            throw new IllegalArgumentException("--no-header, --delimiter, --label-col, --id-col and --features apply to a CSV"
                    + " --data, not to " + spec);
        }
    }
}
