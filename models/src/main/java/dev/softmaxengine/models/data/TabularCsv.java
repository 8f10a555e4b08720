package dev.softmaxengine.models.data;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the tabular CSVs of {@code shared/data/tabular}: optionally gzipped (detected from the
 * content), one sample per line, the features first and the integer class label last.
 *
 * <p>An optional first line {@code n_rows,n_features,class names...} (scikit-learn's bundled
 * format: iris, wine, breast cancer) declares the row count, the feature count and the class
 * names; it is recognized by a non-numeric field. Without it (digits) the width of the first row
 * gives the feature count and the labels are plain integers. Every row must have the same width,
 * and a declared row count must match.
 */
public final class TabularCsv implements RowSource {
    private final Path path;
    private final BufferedReader in;
    private final int features;
    private final long declaredRows;
    private final List<String> classNames;
    private String pending;
    private long line;
    private long rowsRead;
    private boolean finished;

    private TabularCsv(Path path, BufferedReader in) throws IOException {
        this.path = path;
        this.in = in;
        String first = in.readLine();
        line = 1;
        if (first == null) {
            throw new IOException(path + ": empty file, expected a header or a row");
        }
        String[] fields = first.split(",", -1);
        if (isHeader(fields)) {
            if (fields.length < 3) {
                throw new IOException(path + ":1: header must be n_rows,n_features,class names..., was '" + first + "'");
            }
            declaredRows = parseCount(fields[0], "n_rows");
            long d = parseCount(fields[1], "n_features");
            if (d < 1 || d > Integer.MAX_VALUE) {
                throw new IOException(path + ":1: n_features must be in [1, " + Integer.MAX_VALUE + "], was " + d);
            }
            features = (int) d;
            List<String> names = new ArrayList<>();
            for (int i = 2; i < fields.length; i++) {
                names.add(fields[i].trim());
            }
            classNames = List.copyOf(names);
            pending = in.readLine();
            line = 2;
        } else {
            if (fields.length < 2) {
                throw new IOException(path + ":1: a row needs at least one feature and a label, was '" + first + "'");
            }
            declaredRows = -1;
            features = fields.length - 1;
            classNames = List.of();
            pending = first;
        }
    }

    /** Opens {@code path} for streaming; the caller closes the source. */
    public static TabularCsv open(Path path) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("path must not be null");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream data = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
            return new TabularCsv(path, new BufferedReader(new InputStreamReader(data, StandardCharsets.UTF_8), 1 << 16));
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Reads all of {@code path} into memory. */
    public static Dataset read(Path path) throws IOException {
        try (TabularCsv csv = open(path)) {
            return csv.readAll();
        }
    }

    private static boolean isHeader(String[] fields) {
        for (String f : fields) {
            if (!looksNumeric(f.trim())) {
                return true;
            }
        }
        return false;
    }

    private static boolean looksNumeric(String s) {
        if (s.isEmpty()) {
            return false;
        }
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private long parseCount(String s, String what) throws IOException {
        try {
            long v = Long.parseLong(s.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IOException(path + ":1: " + what + " must be an integer >= 0, was '" + s + "'");
        }
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public long declaredRows() {
        return declaredRows;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int read(float[] x, int[] labels, int maxRows) throws IOException {
        RowSource.checkBatch(x, labels, maxRows, features);
        int n = 0;
        while (n < maxRows && !finished) {
            String s = pending;
            if (s == null) {
                finished = true;
                if (declaredRows >= 0 && rowsRead != declaredRows) {
                    throw new IOException(path + ": header declares " + declaredRows + " rows, file has " + rowsRead);
                }
                break;
            }
            if (!s.isBlank()) {
                parseRow(s, x, n * features, labels, n);
                n++;
                rowsRead++;
            }
            pending = in.readLine();
            line++;
        }
        return n;
    }

    private void parseRow(String s, float[] x, int offset, int[] labels, int row) throws IOException {
        int start = 0;
        for (int j = 0; j <= features; j++) {
            int comma = s.indexOf(',', start);
            boolean last = j == features;
            if (last != (comma < 0)) {
                throw new IOException(path + ":" + line + ": expected " + (features + 1) + " fields (features then label), was "
                        + (s.split(",", -1).length));
            }
            String field = s.substring(start, last ? s.length() : comma).trim();
            try {
                if (last) {
                    int label = Integer.parseInt(field);
                    if (label < 0 || (!classNames.isEmpty() && label >= classNames.size())) {
                        throw new IOException(path + ":" + line + ": label must be in [0, "
                                + (classNames.isEmpty() ? "inf" : classNames.size()) + "), was " + label);
                    }
                    labels[row] = label;
                } else {
                    x[offset + j] = Float.parseFloat(field);
                }
            } catch (NumberFormatException e) {
                throw new IOException(path + ":" + line + ": field " + (j + 1) + " is not "
                        + (last ? "an integer label" : "a number") + ": '" + field + "'");
            }
            start = comma + 1;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    @Override
    public String toString() {
        return "TabularCsv[" + path + ", " + features + " features, classes " + Arrays.toString(classNames.toArray()) + "]";
    }
}
