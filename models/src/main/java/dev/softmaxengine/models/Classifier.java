package dev.softmaxengine.models;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linalg.HostTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A conditional Gibbs distribution over classes: {@code P(k | x) = exp(s_k(x)) / Z(x)} with
 * {@code Z(x) = sum_k exp(s_k(x))}. Implementations supply the log-potentials {@link #scores};
 * normalization, log-normalization and decisions go through the engine's kernel (softmax,
 * log-softmax, logsumexp, argmax), on whichever backend that kernel is.
 *
 * <p>Batches are row-major: {@code x} holds {@code rows x features()} float32 values starting at
 * row {@code row}; outputs hold {@code rows x classes()} values from index 0 (they may be longer). Thread-safe when the
 * kernel is (every engine kernel is).
 */
public interface Classifier {

    /**
     * The {@link ModelFile} kind, e.g. {@code softmax-regression}.
     *
     * @return the kind written to and checked when reading the model file; not null
     */
    String kind();

    /**
     * The input width.
     *
     * @return the number of float32 features each row of a batch holds, at least 1
     */
    int features();

    /**
     * The classes in score order.
     *
     * @return an unmodifiable list whose index {@code k} names class {@code k}; not null, not empty
     */
    List<String> classNames();

    /**
     * The number of classes, the width of every output row.
     *
     * @return {@code classNames().size()}
     */
    default int classes() {
        return classNames().size();
    }

    /**
     * The kernel that normalizes. The classifier does not own it.
     *
     * @return the kernel passed at construction or load; not null, closed by its owner
     */
    SoftmaxKernel kernel();

    /**
     * Log-potentials {@code s_k(x)} of rows {@code [row, row + rows)} into {@code out[0 .. rows*classes)}.
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param out receives {@code rows x classes()} scores, row-major from index 0; may be longer
     * @throws IllegalArgumentException when {@code x} or {@code out} is null or too short
     */
    void scores(float[] x, int row, int rows, double[] out);

    /**
     * {@code P(k | x)}: the kernel's softmax over each row of the scores.
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param out receives {@code rows x classes()} probabilities in [0, 1], row-major; each row sums to 1
     */
    default void probabilities(float[] x, int row, int rows, double[] out) {
        scores(x, row, rows, out);
        Tensor t = HostTensors.matrix(out, rows, classes());
        kernel().softmax(t, t, -1);
    }

    /**
     * The log-potentials class-major: {@code out[c * rows + i]} for row {@code row + i}. The default
     * transposes {@link #scores}; linear models write this layout straight from their GEMM.
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param out receives {@code classes() x rows} scores, class-major from index 0
     */
    default void scoresByClass(float[] x, int row, int rows, double[] out) {
        int k = classes();
        double[] s = new double[rows * k];
        scores(x, row, rows, s);
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < k; c++) {
                out[c * rows + i] = s[i * k + c];
            }
        }
    }

    /**
     * {@code P(k | x)} class-major ({@code out[c * rows + i]}): the kernel's softmax over axis 0 of
     * the {@code [classes, rows]} scores. For few classes this is the fast layout: the kernel
     * vectorizes across the rows, where a 10-class row is too short for a vector of its own
     * (3x the rows/s of {@link #probabilities} on digits, 10 classes, 1024-row batches).
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param out receives {@code classes() x rows} probabilities, class-major; each column sums to 1
     */
    default void probabilitiesByClass(float[] x, int row, int rows, double[] out) {
        scoresByClass(x, row, rows, out);
        Tensor t = HostTensors.matrix(out, classes(), rows);
        kernel().softmax(t, t, 0);
    }

    /**
     * {@link #probabilitiesByClass(float[], int, int, double[])} in float32, what batch scoring
     * runs ({@link BatchScorer}): the precision of the features and of ONNX Runtime's float32
     * graphs, with twice the vector lanes of float64. The default rounds the float64 probabilities;
     * linear models compute in float32 throughout (a float32 GEMM, the kernel's float32 softmax).
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param out receives {@code classes() x rows} probabilities, class-major; each column sums to 1
     *     within float32 rounding
     */
    default void probabilitiesByClass(float[] x, int row, int rows, float[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        double[] p = new double[rows * classes()];
        probabilitiesByClass(x, row, rows, p);
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) p[i];
        }
    }

    /**
     * {@code log P(k | x)}: the kernel's log-softmax over each row of the scores.
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param out receives {@code rows x classes()} log-probabilities (at most 0), row-major
     */
    default void logProbabilities(float[] x, int row, int rows, double[] out) {
        scores(x, row, rows, out);
        Tensor t = HostTensors.matrix(out, rows, classes());
        kernel().logSoftmax(t, t, -1);
    }

    /**
     * The most probable class of each row: the kernel's argmax of the scores.
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param out receives one class index in {@code [0, classes())} per row; exactly {@code rows} long
     * @throws IllegalArgumentException when {@code out} is null or not {@code rows} long
     */
    default void predict(float[] x, int row, int rows, int[] out) {
        if (out == null || out.length != rows) {
            throw new IllegalArgumentException("out must have " + rows + " elements, had " + (out == null ? "null" : out.length));
        }
        double[] s = new double[rows * classes()];
        scores(x, row, rows, s);
        kernel().argmax(Tensor.of(s, rows, classes()), out, -1);
    }

    /**
     * Saves the model as a {@link ModelFile}, replacing {@code path} only once the file is complete.
     *
     * @param path the file to write; its parent directory must exist
     * @throws IOException when the file cannot be written
     */
    void save(Path path) throws IOException;

    /**
     * Checks a batch against {@link #features()} and {@link #classes()}, before anything is written.
     *
     * @param x row-major batch of {@code features()} float32 values per row; not null
     * @param row index of the batch's first row in {@code x}, at least 0
     * @param rows number of rows, at least 0; {@code [row, row + rows)} must lie within {@code x}
     * @param outLength length of the output array, which must hold {@code rows x classes()} values
     * @throws IllegalArgumentException naming the argument that is null or too short
     */
    default void checkBatch(float[] x, int row, int rows, int outLength) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        if (row < 0 || rows < 0 || ((long) row + rows) * features() > x.length) {
            throw new IllegalArgumentException("x has " + x.length + " elements, rows [" + row + ", " + (row + rows)
                    + ") of " + features() + " features need " + ((long) row + rows) * features());
        }
        if (outLength < (long) rows * classes()) {
            throw new IllegalArgumentException("out has " + outLength + " elements, " + rows + " rows of " + classes()
                    + " classes need " + (long) rows * classes());
        }
    }
}
