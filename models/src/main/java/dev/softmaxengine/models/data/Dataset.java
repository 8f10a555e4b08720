package dev.softmaxengine.models.data;

import java.util.List;

/**
 * Labelled rows in memory: a row-major {@code rows x features} float32 matrix and one integer class
 * label per row, with the class names. Labels lie in {@code [0, classes)}. Immutable by convention:
 * the arrays are shared, not copied, so callers must not write to them.
 *
 * <p>Float32 halves the memory of the large sets (Fashion-MNIST's training images are 188 MB this
 * way); every model accumulates in float64.
 */
public final class Dataset {
    /**
     * Most classes a data set may have. Far above any task these models suit (a linear model holds
     * classes x features weights), and low enough that a label column of ids or free text is refused
     * as such rather than sized into per-class arrays.
     */
    public static final int MAX_CLASSES = 1 << 16;

    private final float[] x;
    private final int[] labels;
    private final int rows;
    private final int features;
    private final List<String> classNames;

    /**
     * A dataset over the given arrays, which it keeps (not copies).
     *
     * @param x row-major features, {@code labels.length * features} elements
     * @param labels class of each row, in {@code [0, classNames.size())}
     * @param features columns per row, {@code >= 1}
     * @param classNames one name per class, {@code >= 1} of them
     * @throws IllegalArgumentException when an argument is null, a length disagrees or a label is out of range
     */
    public Dataset(float[] x, int[] labels, int features, List<String> classNames) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        if (features < 1) {
            throw new IllegalArgumentException("features must be >= 1, was " + features);
        }
        if (classNames == null || classNames.isEmpty()) {
            throw new IllegalArgumentException("classNames must name at least one class");
        }
        if (classNames.size() > MAX_CLASSES) {
            throw new IllegalArgumentException("classNames has " + classNames.size() + " classes, more than the "
                    + MAX_CLASSES + " a data set may have");
        }
        if ((long) labels.length * features != x.length) {
            throw new IllegalArgumentException("x has " + x.length + " elements, " + labels.length + " rows of "
                    + features + " features need " + (long) labels.length * features);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("labels[" + i + "] must be in [0, " + classNames.size() + "), was "
                        + labels[i]);
            }
        }
        this.x = x;
        this.labels = labels;
        this.rows = labels.length;
        this.features = features;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * The train/test halves of a {@link #holdOutEvery} split.
     *
     * @param train the rows kept for training
     * @param test the rows held out
     */
    public record Split(Dataset train, Dataset test) {
    }

    /**
     * Holds out every {@code k}-th row (rows {@code k-1, 2k-1, ...}, 0-based) as the test set, the
     * rest as the training set. Deterministic, and stratified on files sorted by class (iris, wine).
     *
     * @param k the period, at least 2
     * @return both halves, copies with the same classes
     */
    public Split holdOutEvery(int k) {
        if (k < 2) {
            throw new IllegalArgumentException("k must be >= 2, was " + k);
        }
        int test = rows / k;
        int train = rows - test;
        float[] xTrain = new float[train * features];
        float[] xTest = new float[test * features];
        int[] yTrain = new int[train];
        int[] yTest = new int[test];
        int a = 0;
        int b = 0;
        for (int i = 0; i < rows; i++) {
            if (i % k == k - 1) {
                System.arraycopy(x, i * features, xTest, b * features, features);
                yTest[b++] = labels[i];
            } else {
                System.arraycopy(x, i * features, xTrain, a * features, features);
                yTrain[a++] = labels[i];
            }
        }
        return new Split(new Dataset(xTrain, yTrain, features, classNames), new Dataset(xTest, yTest, features, classNames));
    }

    /**
     * A copy of the first {@code n} rows.
     *
     * @param n rows to keep, from 0 to {@link #rows()}
     * @return a new dataset with the same classes
     */
    public Dataset head(int n) {
        if (n < 0 || n > rows) {
            throw new IllegalArgumentException("n must be in [0, " + rows + "], was " + n);
        }
        float[] xs = new float[n * features];
        System.arraycopy(x, 0, xs, 0, xs.length);
        int[] ys = new int[n];
        System.arraycopy(labels, 0, ys, 0, n);
        return new Dataset(xs, ys, features, classNames);
    }

    /**
     * Row-major features; shared, do not modify.
     *
     * @return {@code rows() x features()} values
     */
    public float[] x() {
        return x;
    }

    /**
     * Class of each row; shared, do not modify.
     *
     * @return one class index in {@code [0, classes())} per row
     */
    public int[] labels() {
        return labels;
    }

    /**
     * The number of rows.
     *
     * @return at least 0
     */
    public int rows() {
        return rows;
    }

    /**
     * The number of features per row.
     *
     * @return at least 1
     */
    public int features() {
        return features;
    }

    /**
     * The number of classes.
     *
     * @return {@code classNames().size()}
     */
    public int classes() {
        return classNames.size();
    }

    /**
     * The classes, by index.
     *
     * @return an unmodifiable list
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Rows per class.
     *
     * @return a new array, one count per class index
     */
    public int[] classCounts() {
        int[] counts = new int[classes()];
        for (int y : labels) {
            counts[y]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return "Dataset[" + rows + " rows x " + features + " features, " + classes() + " classes]";
    }
}
