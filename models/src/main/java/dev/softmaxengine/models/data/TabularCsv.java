package dev.softmaxengine.models.data;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A CSV or TSV table as data scientists have them, streamed in batches: RFC 4180 quoting, CRLF,
 * a UTF-8 BOM and gzip (detected from the content) are handled by FastCSV; this class picks the
 * columns. The first line is
 * <ul>
 *   <li>a header of column names (the usual case),</li>
 *   <li>data, when every field of it is a number (digits) or {@link Options#noHeader} says so (a
 *       headerless file whose first row holds text cannot be told from a header otherwise), the
 *       columns then being named by their 0-based index, or</li>
 *   <li>scikit-learn's bundled-dataset header {@code n_rows,n_features,class names...} (iris, wine,
 *       breast cancer: two integers, then a name): the features come first, the label last, as an
 *       index into those names, and the row count must match.</li>
 * </ul>
 * The delimiter is the one of {@code , ; TAB |} that occurs most often in the first line, unless
 * {@link Options#delimiter} fixes it. The label column is {@link Options#labelColumn}, else a
 * column named {@code label}, {@code class}, {@code target} or {@code y} (any case), else the
 * last column when training, and none when scoring (unless a headerless file has exactly one
 * column more than the model reads). Labels are strings; a model's classes are the distinct
 * labels, in numeric order when all are integers, else in string order (as scikit-learn's
 * {@code np.unique}). The features are {@link Options#features}, else every other column whose
 * first value is a number (or empty, or NaN); every value must be a finite number, or {@link #read} fails with
 * {@code file:line:column}. Not thread-safe; the caller closes it.
 */
public final class TabularCsv implements RowSource {
    /** Label column names recognized without {@code --label-col}, compared ignoring case. */
    public static final List<String> LABEL_NAMES = List.of("label", "class", "target", "y");
    private static final char[] DELIMITERS = {',', ';', '\t', '|'};
    private static final int SNIFF_BYTES = 1 << 16;

    /** How to read a table; the defaults suit training on a file with a header. */
    public static final class Options {
        /** The defaults: a header of names is detected, the delimiter sniffed, the label the last column. */
        public Options() {
        }

        private boolean noHeader;
        private Character delimiter;
        private String labelColumn;
        private String idColumn;
        private List<String> features;
        private List<String> modelFeatureNames;
        private List<String> classes;
        private boolean scoring;
        private int modelFeatures = -1;

        /**
         * The first line is data, not names.
         *
         * @param value true when the file has no header line
         * @return these options
         */
        public Options noHeader(boolean value) {
            noHeader = value;
            return this;
        }

        /**
         * The field delimiter instead of detecting it.
         *
         * @param value the delimiter; null to detect it among {@code , ; TAB |}
         * @return these options
         */
        public Options delimiter(Character value) {
            delimiter = value;
            return this;
        }

        /**
         * The label column: a name, or a 0-based index (negative from the end).
         *
         * @param value the column; null for the default, the last column
         * @return these options
         */
        public Options labelColumn(String value) {
            labelColumn = value;
            return this;
        }

        /**
         * A column passed through to the output ({@link #ids}), never a feature.
         *
         * @param value the column by name or 0-based index; null for none
         * @return these options
         */
        public Options idColumn(String value) {
            idColumn = value;
            return this;
        }

        /**
         * The feature columns, by name or index, in the model's order.
         *
         * @param value the columns (copied); null for every column but the label and id
         * @return these options
         */
        public Options features(List<String> value) {
            features = value == null ? null : List.copyOf(value);
            return this;
        }

        /**
         * The feature names a model was trained on: when {@link #features} is not given and the
         * file has a header of names, these columns (in this order) are the features.
         *
         * @param value the names (copied); null when the model recorded none
         * @return these options
         */
        public Options modelFeatureNames(List<String> value) {
            modelFeatureNames = value == null ? null : List.copyOf(value);
            return this;
        }

        /**
         * Map labels onto these classes (a model's); a label not among them is an error.
         *
         * @param modelClasses the classes in the model's order (copied); null to collect them from the file
         * @return these options
         */
        public Options classes(List<String> modelClasses) {
            classes = modelClasses == null ? null : List.copyOf(modelClasses);
            return this;
        }

        /**
         * Reading to score a model of {@code features} features: the table may lack a label column
         * (a headerless file has one only when it is one column wider than the model reads).
         *
         * @param features the number of features the model reads, at least 1
         * @return these options
         */
        public Options scoring(int features) {
            scoring = true;
            modelFeatures = features;
            return this;
        }
    }

    private final Path path;
    private final CsvReader<CsvRecord> reader;
    private final Iterator<CsvRecord> records;
    private final int width;
    private final List<String> columnNames;
    private final int[] featureColumns;
    private final int labelColumn;
    private final int idColumn;
    private final long declaredRows;
    private final boolean namedHeader;
    /** scikit-learn's header: the class names its integer labels index; else null. */
    private final List<String> headerClasses;
    /** The classes labels map to: the model's (scoring), the header's, or those seen so far (training). */
    private final List<String> classes;
    private final Map<String, Integer> classIndex = new HashMap<>();
    private final boolean discovering;
    private CsvRecord pending;
    private long rowsRead;
    private String[] ids = new String[0];

    private TabularCsv(Path path, CsvReader<CsvRecord> reader, Options o) throws IOException {
        this.path = path;
        this.reader = reader;
        this.records = reader.iterator();
        CsvRecord first = next();
        if (first == null) {
            throw new IOException(path + ": empty file, expected a header or a row");
        }
        List<String> names;
        boolean legacy = false;
        long declared = -1;
        List<String> legacyClasses = null;
        if (o.noHeader || allNumeric(first)) {
            pending = first;
            names = indexNames(first.getFieldCount());
        } else {
            pending = next();
            if (isScikitLearnHeader(first, pending)) {
                legacy = true;
                declared = Long.parseLong(first.getField(0).trim());
                int d = Integer.parseInt(first.getField(1).trim());
                legacyClasses = first.getFields().subList(2, first.getFieldCount()).stream().map(String::trim).toList();
                names = indexNames(d + 1);
            } else {
                names = first.getFields().stream().map(String::trim).toList();
            }
        }
        this.width = names.size();
        this.columnNames = names;
        this.declaredRows = declared;
        this.headerClasses = legacyClasses;
        this.idColumn = o.idColumn == null ? -1 : resolve(o.idColumn, "--id-col");

        int label;
        if (o.labelColumn != null) {
            label = resolve(o.labelColumn, "--label-col");
        } else if (legacy) {
            label = width - 1;
        } else {
            label = -1;
            for (int c = 0; c < width && label < 0; c++) {
                if (LABEL_NAMES.contains(names.get(c).toLowerCase(Locale.ROOT)) && c != idColumn) {
                    label = c;
                }
            }
            boolean headerless = o.noHeader || pending == first;
            if (label < 0 && (!o.scoring
                    || (headerless && o.modelFeatures >= 0 && width - (idColumn >= 0 ? 1 : 0) == o.modelFeatures + 1))) {
                label = width - 1;
            }
        }
        if (label >= 0 && label == idColumn) {
            throw new IllegalArgumentException(path + ": column '" + names.get(label) + "' cannot be both the id and the label");
        }
        this.labelColumn = label;

        this.namedHeader = !legacy && !o.noHeader && pending != first;
        boolean byModel = o.features == null && o.modelFeatureNames != null && namedHeader;
        List<String> chosen = byModel ? o.modelFeatureNames : o.features;
        if (chosen != null) {
            if (chosen.isEmpty()) {
                throw new IllegalArgumentException("--features must name at least one column");
            }
            featureColumns = new int[chosen.size()];
            for (int i = 0; i < featureColumns.length; i++) {
                int c = resolve(chosen.get(i), byModel ? "the model's feature" : "--features");
                if (c == label || c == idColumn) {
                    throw new IllegalArgumentException(path + ": column '" + names.get(c) + "' is the "
                            + (c == label ? "label" : "id") + "; it cannot be a feature");
                }
                featureColumns[i] = c;
            }
        } else {
            List<Integer> numeric = new ArrayList<>();
            for (int c = 0; c < width; c++) {
                // Text columns are left out; an empty or NaN value still makes a feature, so that read() reports it.
                boolean number = pending == null || (c < pending.getFieldCount() && parses(pending.getField(c)));
                if (c != label && c != idColumn && number) {
                    numeric.add(c);
                }
            }
            featureColumns = numeric.stream().mapToInt(Integer::intValue).toArray();
        }
        if (featureColumns.length == 0) {
            throw new IllegalArgumentException(path + ": no feature columns (columns " + names + ", label "
                    + (label < 0 ? "none" : "'" + names.get(label) + "'") + "); name them with --features");
        }

        if (o.classes != null) {
            classes = o.classes;
            discovering = false;
        } else if (legacyClasses != null) {
            classes = legacyClasses;
            discovering = false;
        } else {
            classes = new ArrayList<>();
            discovering = true;
        }
        for (int i = 0; i < classes.size(); i++) {
            classIndex.putIfAbsent(classes.get(i), i);
        }
    }

    /**
     * Opens {@code path} with the default {@link Options} (training).
     *
     * @param path a CSV / TSV file, optionally gzip-compressed
     * @return the open source; the caller closes it
     * @throws IOException naming the file when it cannot be read
     */
    public static TabularCsv open(Path path) throws IOException {
        return open(path, new Options());
    }

    /**
     * Opens {@code path} for streaming; the caller closes the source.
     *
     * @param path a CSV / TSV file, optionally gzip-compressed
     * @param options how to read it
     * @return the open source, its header read and its columns resolved
     * @throws IOException naming the file when it cannot be read
     * @throws IllegalArgumentException naming the file when a column option does not match it
     */
    public static TabularCsv open(Path path, Options options) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("path must not be null");
        }
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream data = new BufferedInputStream((b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw,
                    1 << 16);
            char delimiter = options.delimiter != null ? options.delimiter : sniffDelimiter(data);
            CsvReader<CsvRecord> reader = CsvReader.builder()
                    .fieldSeparator(delimiter)
                    .detectBomHeader(true)
                    .skipEmptyLines(true)
                    // Ragged rows are checked here, to report them with the file, line and counts.
                    .allowExtraFields(true)
                    .allowMissingFields(true)
                    .ofCsvRecord(data, StandardCharsets.UTF_8);
            try {
                return new TabularCsv(path, reader, options);
            } catch (IOException | RuntimeException e) {
                reader.close();
                throw e;
            }
        } catch (IOException e) {
            raw.close();
            throw named(path, e);
        } catch (RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * Reads all of {@code path} into memory, for training.
     *
     * @param path a CSV / TSV file with a label column
     * @return every row, its labels mapped to class indices
     * @throws IOException naming the file when it cannot be read
     */
    public static Dataset read(Path path) throws IOException {
        return read(path, new Options());
    }

    /**
     * Reads all of {@code path} into memory with {@code options}.
     *
     * @param path a CSV / TSV file with a label column
     * @param options how to read it
     * @return every row, its labels mapped to class indices
     * @throws IOException naming the file when it cannot be read
     */
    public static Dataset read(Path path, Options options) throws IOException {
        try (TabularCsv csv = open(path, options)) {
            return csv.readAll();
        }
    }

    /** The delimiter of {@code , ; TAB |} most frequent outside quotes in the first line; ',' if none occurs. */
    private static char sniffDelimiter(InputStream in) throws IOException {
        in.mark(SNIFF_BYTES);
        byte[] head = in.readNBytes(SNIFF_BYTES);
        in.reset();
        int[] counts = new int[DELIMITERS.length];
        boolean quoted = false;
        for (byte b : head) {
            if (b == '"') {
                quoted = !quoted;
            } else if (!quoted && (b == '\n' || b == '\r')) {
                break;
            } else if (!quoted) {
                for (int i = 0; i < DELIMITERS.length; i++) {
                    if (b == DELIMITERS[i]) {
                        counts[i]++;
                    }
                }
            }
        }
        int best = 0;
        for (int i = 1; i < counts.length; i++) {
            if (counts[i] > counts[best]) {
                best = i;
            }
        }
        return DELIMITERS[best];
    }

    private CsvRecord next() throws IOException {
        try {
            return records.hasNext() ? records.next() : null;
        } catch (CsvParseException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw named(path, e.getCause());
        }
    }

    /**
     * {@code e} with the file in its message: a gzip stream's errors ("Unexpected end of ZLIB input
     * stream") say nothing of which file was cut short.
     */
    private static IOException named(Path path, IOException e) {
        String m = e.getMessage();
        if (m != null && m.startsWith(path.toString())) {
            return e;
        }
        String what = e instanceof java.io.EOFException || e instanceof java.util.zip.ZipException
                ? "corrupt or truncated gzip data: " : "";
        return new IOException(path + ": " + what + (m == null ? e.getClass().getSimpleName() : m), e);
    }

    private static List<String> indexNames(int n) {
        String[] names = new String[n];
        Arrays.setAll(names, Integer::toString);
        return List.of(names);
    }

    private static boolean allNumeric(CsvRecord r) {
        for (String f : r.getFields()) {
            if (f.isBlank() || !parses(f)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code n_rows,n_features,class names...}: two counts, then names; and the next row (if any) is
     * {@code n_features} numbers and an integer label below the number of names. The second check
     * keeps a headerless file whose first row happens to start with two integers (and a string
     * label) from being taken for one.
     */
    private static boolean isScikitLearnHeader(CsvRecord r, CsvRecord next) {
        if (r.getFieldCount() < 3 || !isCount(r.getField(0)) || !isCount(r.getField(1))) {
            return false;
        }
        for (int i = 2; i < r.getFieldCount(); i++) {
            if (isNumber(r.getField(i))) {
                return false;
            }
        }
        if (next == null) {
            // Without a row to confirm it, its n_features would size the reader's arrays unchecked
            // (fuzzing found "20000000,210000,..." alone on a line asking for 8 GB): read it as names.
            return false;
        }
        long d = Long.parseLong(r.getField(1).trim());
        if (next.getFieldCount() != d + 1 || !allNumeric(next)) {
            return false;
        }
        String label = next.getField((int) d).trim();
        return isCount(label) && Long.parseLong(label) < r.getFieldCount() - 2;
    }

    private static boolean isCount(String s) {
        try {
            return Long.parseLong(s.trim()) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Empty, or any double Java reads, NaN and infinities included. */
    private static boolean parses(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return true;
        }
        try {
            Double.parseDouble(t);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isNumber(String s) {
        String t = s.trim();
        if (t.isEmpty()) {
            return false;
        }
        try {
            return Double.isFinite(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A column by exact name, else by 0-based index (negative counts from the end). */
    private int resolve(String spec, String option) {
        String s = spec.trim();
        int byName = columnNames.indexOf(s);
        if (byName >= 0) {
            return byName;
        }
        try {
            int i = Integer.parseInt(s);
            int c = i < 0 ? width + i : i;
            if (c >= 0 && c < width) {
                return c;
            }
        } catch (NumberFormatException e) {
            // not an index: fall through to the error
        }
        throw new IllegalArgumentException(path + ": " + option + " '" + spec + "' is neither a column name nor an index in [0, "
                + width + "); the columns are " + columnNames);
    }

    @Override
    public int features() {
        return featureColumns.length;
    }

    @Override
    public long declaredRows() {
        return declaredRows;
    }

    /** The class names labels map to; when training on a file without declared classes, those seen so far. */
    @Override
    public List<String> classNames() {
        return List.copyOf(classes);
    }

    /**
     * Whether the first line named the columns (not data, not scikit-learn's count header).
     *
     * @return true for a header of names
     */
    public boolean namedHeader() {
        return namedHeader;
    }

    /**
     * The header's names (or the 0-based indices of a headerless file).
     *
     * @return one name per column, unmodifiable
     */
    public List<String> columnNames() {
        return columnNames;
    }

    /**
     * The names of the feature columns, in the order {@link #read} writes them.
     *
     * @return one name per feature
     */
    public List<String> featureNames() {
        return Arrays.stream(featureColumns).mapToObj(columnNames::get).toList();
    }

    /**
     * The label column's name.
     *
     * @return the name, or null when the table has none (then {@link #read} writes -1 labels)
     */
    public String labelName() {
        return labelColumn < 0 ? null : columnNames.get(labelColumn);
    }

    /**
     * The id column's name.
     *
     * @return the name, or null when no id column was asked for
     */
    public String idName() {
        return idColumn < 0 ? null : columnNames.get(idColumn);
    }

    /**
     * The id column's values of the rows the last {@link #read} returned.
     *
     * @return one value per row of that batch; empty strings without an id column
     */
    public String[] ids() {
        return ids;
    }

    @Override
    public int read(float[] x, int[] labels, int maxRows) throws IOException {
        RowSource.checkBatch(x, labels, maxRows, featureColumns.length);
        if (ids.length < maxRows) {
            ids = new String[maxRows];
        }
        int d = featureColumns.length;
        int n = 0;
        while (n < maxRows && pending != null) {
            CsvRecord r = pending;
            long line = r.getStartingLineNumber();
            if (r.getFieldCount() != width) {
                throw new IOException(path + ":" + line + ": has " + r.getFieldCount() + " fields, the "
                        + (headerClasses != null ? "header's n_features + 1 is " : "first line has ") + width);
            }
            for (int j = 0; j < d; j++) {
                int c = featureColumns[j];
                x[n * d + j] = number(r.getField(c), line, c);
            }
            labels[n] = labelColumn < 0 ? -1 : label(r.getField(labelColumn).trim(), line);
            ids[n] = idColumn < 0 ? "" : r.getField(idColumn);
            n++;
            rowsRead++;
            pending = next();
        }
        if (pending == null && n < maxRows && declaredRows >= 0 && rowsRead != declaredRows) {
            throw new IOException(path + ": header declares " + declaredRows + " rows, file has " + rowsRead);
        }
        return n;
    }

    private float number(String field, long line, int column) throws IOException {
        String s = field.trim();
        float v;
        try {
            v = Float.parseFloat(s);
        } catch (NumberFormatException e) {
            throw cell(line, column, s.isEmpty() ? "is empty; every feature needs a number"
                    : "is not a number: '" + field + "'");
        }
        if (!Float.isFinite(v)) {
            throw cell(line, column, "is " + s + "; the models need finite features");
        }
        return v;
    }

    private int label(String value, long line) throws IOException {
        String name = value;
        if (headerClasses != null) {
            int i;
            try {
                i = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw cell(line, labelColumn, "label '" + value + "' is not an index into the header's classes " + headerClasses);
            }
            if (i < 0 || i >= headerClasses.size()) {
                throw cell(line, labelColumn, "label must be in [0, " + headerClasses.size() + "), was " + i);
            }
            name = headerClasses.get(i);
        }
        if (value.isEmpty()) {
            throw cell(line, labelColumn, "label is empty");
        }
        Integer k = classIndex.get(name);
        if (k == null) {
            if (!discovering) {
                throw cell(line, labelColumn, "label '" + name + "' is not one of the model's classes " + classes);
            }
            k = classes.size();
            if (k == Dataset.MAX_CLASSES) {
                throw cell(line, labelColumn, "has more than " + Dataset.MAX_CLASSES
                        + " distinct labels; is it the label column? (name it with --label-col)");
            }
            classes.add(name);
            classIndex.put(name, k);
        }
        return k;
    }

    private IOException cell(long line, int column, String what) {
        return new IOException(path + ":" + line + ":" + (column + 1) + ": column '" + columnNames.get(column) + "' " + what);
    }

    /**
     * Every remaining row. When training on labels seen as they come, the classes are then put in
     * order (numeric when all are integers, else by string) and the labels renumbered to match.
     */
    @Override
    public Dataset readAll() throws IOException {
        if (labelColumn < 0) {
            throw new IllegalArgumentException(path + ": no label column to train on; name it with --label-col");
        }
        Dataset seen = RowSource.super.readAll();
        if (!discovering || seen.classes() == 0) {
            return seen;
        }
        List<String> sorted = ordered(classes);
        int[] remap = new int[classes.size()];
        for (int i = 0; i < remap.length; i++) {
            remap[i] = sorted.indexOf(classes.get(i));
        }
        int[] y = seen.labels();
        for (int i = 0; i < y.length; i++) {
            y[i] = remap[y[i]];
        }
        classes.clear();
        classes.addAll(sorted);
        classIndex.clear();
        for (int i = 0; i < sorted.size(); i++) {
            classIndex.put(sorted.get(i), i);
        }
        return new Dataset(seen.x(), y, seen.features(), sorted);
    }

    /**
     * Distinct labels in the order models keep them: numeric when all are integers, else by string.
     *
     * @param labels the labels seen, duplicates allowed
     * @return the distinct labels, sorted
     */
    public static List<String> ordered(java.util.Collection<String> labels) {
        List<String> sorted = new ArrayList<>(new java.util.LinkedHashSet<>(labels));
        boolean integers = sorted.stream().allMatch(s -> s.matches("-?\\d{1,18}"));
        sorted.sort(integers ? Comparator.comparingLong(Long::parseLong) : Comparator.naturalOrder());
        return sorted;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    @Override
    public String toString() {
        return "TabularCsv[" + path + ", features " + featureNames() + ", label " + labelName() + "]";
    }
}
