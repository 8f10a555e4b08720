package dev.softmaxengine.models.data;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * A stream of labelled rows read in batches, so that files larger than memory can be scored.
 * {@link TabularCsv#open} and {@link Idx#open} make them; {@link #readAll} drains one into a
 * {@link Dataset}. Not thread-safe; the caller closes it.
 */
public interface RowSource extends AutoCloseable {

    /** Most rows {@link #readAll} allocates for before it has read them. */
    int INITIAL_ROWS_MAX = 1 << 16;
    /** Most feature values (16 MiB of floats) {@link #readAll} allocates for before it has read them. */
    int INITIAL_ELEMENTS_MAX = 1 << 22;

    /**
     * Columns per row.
     *
     * @return the number of features each row has, at least 1
     */
    int features();

    /**
     * The number of rows the file declares. For progress reports, never for sizing.
     *
     * @return the declared count, or -1 when the file does not say
     */
    long declaredRows();

    /**
     * The class names the file declares, or an empty list when it has none (a headerless CSV);
     * labels are then plain integers {@code >= 0}.
     *
     * @return the names by class index, unmodifiable
     */
    List<String> classNames();

    /**
     * Reads up to {@code maxRows} rows into the start of {@code x} (row-major) and {@code labels}.
     *
     * @param x receives {@code features()} values per row read; at least {@code maxRows * features()} long
     * @param labels receives each row's class index, or -1 for an unlabelled row; at least {@code maxRows} long
     * @param maxRows the most rows to read, at least 1
     * @return the number of rows read; 0 at the end of the stream
     * @throws IllegalArgumentException when the arrays are too small for {@code maxRows} rows
     * @throws IOException on a read error or malformed input (naming the file and line or record)
     */
    int read(float[] x, int[] labels, int maxRows) throws IOException;

    @Override
    void close() throws IOException;

    /**
     * Reads every remaining row into a dataset. Its classes are the declared ones, or
     * {@code "0".."max label"} when none are declared.
     *
     * @return every row not yet read, in memory
     * @throws IOException on a read error or malformed input
     */
    default Dataset readAll() throws IOException {
        int d = features();
        // A declared row count only sizes the first array up to a bound: a three-line file may
        // declare two billion rows, and the count is checked against the rows actually read.
        // Both bounded in elements too, so that a wide table starts small and grows with its rows.
        int batch = Math.clamp(INITIAL_ELEMENTS_MAX / Math.max(d, 1), 1, 4096);
        int cap = (int) Math.clamp(Math.min(declaredRows(), INITIAL_ELEMENTS_MAX / Math.max(d, 1)), batch, INITIAL_ROWS_MAX);
        float[] x = new float[cap * d];
        int[] y = new int[cap];
        int n = 0;
        float[] bx = new float[batch * d];
        int[] by = new int[batch];
        int got;
        while ((got = read(bx, by, batch)) > 0) {
            if (n + got > y.length) {
                long grown = Math.max((long) y.length * 2, n + got);
                if (grown * d > Integer.MAX_VALUE - 8) {
                    throw new IOException("more than " + n + " rows of " + d + " features do not fit one array");
                }
                x = Arrays.copyOf(x, (int) grown * d);
                y = Arrays.copyOf(y, (int) grown);
            }
            System.arraycopy(bx, 0, x, n * d, got * d);
            System.arraycopy(by, 0, y, n, got);
            n += got;
        }
        List<String> names = classNames();
        if (names.isEmpty()) {
            int max = -1;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, y[i]);
            }
            if (max >= Dataset.MAX_CLASSES) {
                throw new IllegalArgumentException("label " + max + " would make " + (max + 1L)
                        + " classes, more than the " + Dataset.MAX_CLASSES + " a data set may have; labels without"
                        + " class names must be 0 .. classes - 1");
            }
            String[] generated = new String[Math.max(max + 1, 1)];
            Arrays.setAll(generated, Integer::toString);
            names = List.of(generated);
        }
        // Exact-size arrays are kept: a copy would briefly double a large set's memory.
        return new Dataset(x.length == n * d ? x : Arrays.copyOf(x, n * d), y.length == n ? y : Arrays.copyOf(y, n), d, names);
    }

    /**
     * Checks the arrays handed to {@link #read}.
     *
     * @param x the feature array
     * @param labels the label array
     * @param maxRows the rows asked for
     * @param features the source's columns per row
     * @throws IllegalArgumentException naming the array that is null or too short, or a bad {@code maxRows}
     */
    static void checkBatch(float[] x, int[] labels, int maxRows, int features) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, was " + maxRows);
        }
        if (x == null || (long) x.length < (long) maxRows * features) {
            throw new IllegalArgumentException("x must hold " + maxRows + " rows of " + features + " features ("
                    + (long) maxRows * features + " elements), had " + (x == null ? "null" : x.length));
        }
        if (labels == null || labels.length < maxRows) {
            throw new IllegalArgumentException("labels must hold " + maxRows + " rows, had "
                    + (labels == null ? "null" : labels.length));
        }
    }
}
