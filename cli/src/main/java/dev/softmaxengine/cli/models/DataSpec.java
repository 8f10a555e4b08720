package dev.softmaxengine.cli.models;

import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.FashionMnist;
import dev.softmaxengine.models.data.NpyRows;
import dev.softmaxengine.models.data.RowSource;
import dev.softmaxengine.models.data.TabularCsv;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What {@code --data} names: a table (CSV / TSV, optionally gzipped; see {@link TabularCsv}) or a
 * {@code .npy} feature matrix by path, or a Fashion-MNIST split as {@code fashion-mnist:train} /
 * {@code fashion-mnist:t10k}, optionally followed by {@code :DIR} (default
 * {@code /usr/share/datasets/fashion-mnist}).
 */
record DataSpec(String text, Path csv, Path npy, Path fashionDir, String fashionSplit) {
    static final String FASHION = "fashion-mnist:";
    static final String DEFAULT_DIGITS = "../shared/data/tabular/digits.csv.gz";
    static final String HELP = "A table (.csv, .tsv, optionally .gz: a header of column names, or none, or scikit-learn's"
            + " n_rows,n_features,class names...), a .npy feature matrix (labels from --labels),"
            + " or fashion-mnist:train | fashion-mnist:t10k[:DIR].";

    static DataSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--data must name a CSV or .npy file or fashion-mnist:train|t10k[:DIR], was empty");
        }
        if (text.startsWith(FASHION)) {
            String rest = text.substring(FASHION.length());
            int colon = rest.indexOf(':');
            String split = colon < 0 ? rest : rest.substring(0, colon);
            Path dir = colon < 0 ? FashionMnist.DEFAULT_DIR : Path.of(rest.substring(colon + 1));
            if (!split.equals("train") && !split.equals("t10k")) {
                throw new IllegalArgumentException("--data " + text + ": the Fashion-MNIST split must be train or t10k, was '"
                        + split + "'");
            }
            return new DataSpec(text, null, null, dir, split);
        }
        if (text.toLowerCase(Locale.ROOT).endsWith(".npy")) {
            return new DataSpec(text, null, Path.of(text), null, null);
        }
        // The default names a file beside the project, wherever the command runs from.
        Path csv = text.equals(DEFAULT_DIGITS) ? ProjectRoot.resolve(text) : Path.of(text);
        return new DataSpec(text, csv, null, null, null);
    }

    /** Opens the rows for training (classes from the data). */
    RowSource open() throws IOException {
        return open(new TableOptions(), null, -1, false);
    }

    /**
     * Opens the rows for streaming: labels name classes of their own when {@code classes} is null,
     * else they are mapped onto {@code classes} (a model's). {@code scoring} (for a model of
     * {@code features} features) lets a table have no label column.
     */
    RowSource open(TableOptions table, List<String> classes, int features, boolean scoring) throws IOException {
        table.check(this);
        if (csv != null) {
            TabularCsv.Options o = table.csv();
            o.classes(classes);
            if (scoring) {
                o.scoring(features);
            }
            return TabularCsv.open(csv, o);
        }
        if (npy != null) {
            return NpyRows.open(npy, table.labels, classes);
        }
        return FashionMnist.open(fashionDir, fashionSplit);
    }

    /** The feature columns' names when {@code --data} is a table with a header of names; else null. */
    List<String> featureNames(TableOptions table) throws IOException {
        if (csv == null) {
            return null;
        }
        try (TabularCsv t = TabularCsv.open(csv, table.csv())) {
            return t.namedHeader() ? t.featureNames() : null;
        }
    }

    /** Reads all rows into memory, for training. */
    Dataset read() throws IOException {
        return read(new TableOptions(), null, -1);
    }

    Dataset read(TableOptions table, List<String> classes, int features) throws IOException {
        try (RowSource source = open(table, classes, features, false)) {
            return source.readAll();
        }
    }

    /**
     * The rows a command trains or evaluates on: all of them when {@code holdout} is 0, else the
     * training part ({@code test == false}) or the held-out every {@code holdout}-th row.
     */
    Dataset read(TableOptions table, List<String> classes, int features, int holdout, boolean test) throws IOException {
        if (holdout < 0 || holdout == 1) {
            throw new IllegalArgumentException("--holdout must be 0 (none) or >= 2, was " + holdout);
        }
        Dataset all = read(table, classes, features);
        if (holdout == 0) {
            return all;
        }
        Dataset.Split split = all.holdOutEvery(holdout);
        return test ? split.test() : split.train();
    }

    @Override
    public String toString() {
        return text;
    }
}
