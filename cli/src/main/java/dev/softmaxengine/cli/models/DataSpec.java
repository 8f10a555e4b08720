package dev.softmaxengine.cli.models;

import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.FashionMnist;
import dev.softmaxengine.models.data.RowSource;
import dev.softmaxengine.models.data.TabularCsv;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What {@code --data} names: a tabular CSV (optionally gzipped; see {@link TabularCsv}) by path, or
 * a Fashion-MNIST split as {@code fashion-mnist:train} / {@code fashion-mnist:t10k}, optionally
 * followed by {@code :DIR} (default {@code /usr/share/datasets/fashion-mnist}).
 */
record DataSpec(String text, Path csv, Path fashionDir, String fashionSplit) {
    static final String FASHION = "fashion-mnist:";
    static final String DEFAULT_DIGITS = "../shared/data/tabular/digits.csv.gz";
    static final String HELP = "A tabular CSV (.csv or .csv.gz: features then integer label; optional header"
            + " n_rows,n_features,class names...) or fashion-mnist:train | fashion-mnist:t10k[:DIR].";

    static DataSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--data must name a CSV file or fashion-mnist:train|t10k[:DIR], was empty");
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
            return new DataSpec(text, null, dir, split);
        }
        return new DataSpec(text, Path.of(text), null, null);
    }

    /** Opens the rows for streaming. */
    RowSource open() throws IOException {
        return csv != null ? TabularCsv.open(csv) : FashionMnist.open(fashionDir, fashionSplit);
    }

    /** Reads all rows into memory. */
    Dataset read() throws IOException {
        try (RowSource source = open()) {
            return source.readAll();
        }
    }

    /**
     * The rows a command trains or evaluates on: all of them when {@code holdout} is 0, else the
     * training part ({@code test == false}) or the held-out every {@code holdout}-th row.
     */
    Dataset read(int holdout, boolean test) throws IOException {
        if (holdout < 0 || holdout == 1) {
            throw new IllegalArgumentException("--holdout must be 0 (none) or >= 2, was " + holdout);
        }
        Dataset all = read();
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
