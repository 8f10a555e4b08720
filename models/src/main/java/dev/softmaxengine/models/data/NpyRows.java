package dev.softmaxengine.models.data;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.io.NpyArray;
import dev.softmaxengine.models.io.NpyLabels;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of a {@code .npy} feature matrix ({@code [rows, features]}, float32 or float64, C order),
 * memory-mapped and copied out batch by batch, with optional labels from a second {@code .npy}
 * ({@link NpyLabels}: integers or strings). Training takes the classes from the labels (ordered as
 * {@link TabularCsv#ordered}); scoring maps them onto a model's classes.
 */
public final class NpyRows implements RowSource {
    private final Path path;
    private final NpyArray array;
    private final MemorySegment data;
    private final boolean float64;
    private final long rows;
    private final int features;
    private final int[] labels;
    private final List<String> classes;
    private long next;

    private NpyRows(Path path, NpyArray array, int[] labels, List<String> classes) {
        this.path = path;
        this.array = array;
        Tensor t = array.tensor();
        this.data = t.asHostSegment();
        this.float64 = t.dtype() == DType.FLOAT64;
        this.rows = t.shape().dims()[0];
        this.features = (int) t.shape().dims()[1];
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * Opens {@code features} and, when not null, {@code labels}.
     *
     * @param features a two-dimensional float32 or float64 {@code .npy} file, rows x features
     * @param labels a one-dimensional {@code .npy} file of as many labels, or null for none
     * @param modelClasses the classes labels must be one of (scoring), or null to take them from the labels (training)
     * @return the open source, the features memory-mapped; the caller closes it
     * @throws IOException when a file cannot be read
     */
    public static NpyRows open(Path features, Path labels, List<String> modelClasses) throws IOException {
        NpyArray a = NpyArray.open(features);
        try {
            long[] shape = a.tensor().shape().dims();
            if (shape.length != 2 || shape[1] < 1 || shape[1] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(features + ": features must be a matrix [rows, features], shape was "
                        + a.tensor().shape());
            }
            if (labels == null) {
                return new NpyRows(features, a, null, modelClasses == null ? List.of() : List.copyOf(modelClasses));
            }
            String[] y = NpyLabels.read(labels);
            if (y.length != shape[0]) {
                throw new IllegalArgumentException(labels + ": " + y.length + " labels for the " + shape[0] + " rows of " + features);
            }
            List<String> classes = modelClasses != null ? List.copyOf(modelClasses) : TabularCsv.ordered(List.of(y));
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < classes.size(); i++) {
                index.putIfAbsent(classes.get(i), i);
            }
            int[] ids = new int[y.length];
            for (int i = 0; i < y.length; i++) {
                Integer k = index.get(y[i]);
                if (k == null) {
                    throw new IllegalArgumentException(labels + ": element " + i + ": label '" + y[i]
                            + "' is not one of the model's classes " + classes);
                }
                ids[i] = k;
            }
            return new NpyRows(features, a, ids, classes);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public long declaredRows() {
        return rows;
    }

    @Override
    public List<String> classNames() {
        return classes;
    }

    /**
     * Whether labels were given.
     *
     * @return false when opened without a labels file (every label is then -1)
     */
    public boolean labelled() {
        return labels != null;
    }

    @Override
    public int read(float[] x, int[] y, int maxRows) throws IOException {
        RowSource.checkBatch(x, y, maxRows, features);
        int n = (int) Math.min(maxRows, rows - next);
        long offset = next * features;
        int count = n * features;
        if (float64) {
            for (int i = 0; i < count; i++) {
                x[i] = (float) data.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + i);
            }
        } else {
            MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, offset * Float.BYTES, x, 0, count);
        }
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IOException(path + ": row " + (next + i / features) + ", column " + (i % features) + " is "
                        + x[i] + "; the models need finite features");
            }
        }
        for (int i = 0; i < n; i++) {
            y[i] = labels == null ? -1 : labels[(int) (next + i)];
        }
        next += n;
        return n;
    }

    @Override
    public Dataset readAll() throws IOException {
        if (labels == null) {
            throw new IllegalArgumentException(path + ": training needs labels: add --labels y.npy");
        }
        return RowSource.super.readAll();
    }

    @Override
    public void close() {
        array.close();
    }

    @Override
    public String toString() {
        return "NpyRows[" + path + ", " + rows + " x " + features + "]";
    }

}
