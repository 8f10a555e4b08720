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

    /** The {@link ModelFile} kind, e.g. {@code softmax-regression}. */
    String kind();

    int features();

    List<String> classNames();

    default int classes() {
        return classNames().size();
    }

    /** The kernel that normalizes. The classifier does not own it. */
    SoftmaxKernel kernel();

    /** Log-potentials {@code s_k(x)} of rows {@code [row, row + rows)} into {@code out[0 .. rows*classes)}. */
    void scores(float[] x, int row, int rows, double[] out);

    /** {@code P(k | x)}: the kernel's softmax over each row of the scores. */
    default void probabilities(float[] x, int row, int rows, double[] out) {
        scores(x, row, rows, out);
        Tensor t = HostTensors.matrix(out, rows, classes());
        kernel().softmax(t, t, -1);
    }

    /**
     * The log-potentials class-major: {@code out[c * rows + i]} for row {@code row + i}. The default
     * transposes {@link #scores}; linear models write this layout straight from their GEMM.
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
     */
    default void probabilitiesByClass(float[] x, int row, int rows, double[] out) {
        scoresByClass(x, row, rows, out);
        Tensor t = HostTensors.matrix(out, classes(), rows);
        kernel().softmax(t, t, 0);
    }

    /** {@code log P(k | x)}: the kernel's log-softmax over each row of the scores. */
    default void logProbabilities(float[] x, int row, int rows, double[] out) {
        scores(x, row, rows, out);
        Tensor t = HostTensors.matrix(out, rows, classes());
        kernel().logSoftmax(t, t, -1);
    }

    /** The most probable class of each row: the kernel's argmax of the scores. */
    default void predict(float[] x, int row, int rows, int[] out) {
        if (out == null || out.length != rows) {
            throw new IllegalArgumentException("out must have " + rows + " elements, had " + (out == null ? "null" : out.length));
        }
        double[] s = new double[rows * classes()];
        scores(x, row, rows, s);
        kernel().argmax(Tensor.of(s, rows, classes()), out, -1);
    }

    /** Saves the model as a {@link ModelFile}. */
    void save(Path path) throws IOException;

    /** Checks a batch against {@link #features()} and {@link #classes()}. */
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
