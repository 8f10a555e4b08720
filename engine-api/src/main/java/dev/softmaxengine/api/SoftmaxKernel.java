package dev.softmaxengine.api;

/**
 * The softmax family over N-d row-major tensors, backend-neutral: the type callers hold. Get one
 * from {@link Backends#create()}; close it when done.
 *
 * <h2>Semantics (every backend, tested by the parity suite)</h2>
 * <ul>
 *   <li>Axes count from the end when negative (ONNX opset 13 / torch {@code dim}); the default is the
 *       last axis. Softmax is computed as {@code exp((x - max) / T) / sum}, stable for any finite input
 *       including +-3.4e38.</li>
 *   <li>A NaN anywhere in a slice makes the whole softmax / log-softmax / logsumexp slice NaN.</li>
 *   <li>-inf entries get probability 0 (log-probability -inf).</li>
 *   <li>As in PyTorch: a slice containing +inf, or made only of -inf, gives a NaN softmax and
 *       log-softmax; logsumexp gives +inf for a slice containing +inf (and no NaN) and -inf for an
 *       all -inf slice.</li>
 *   <li>An empty axis gives an empty softmax and a logsumexp of -inf (ONNX ReduceLogSumExp).</li>
 *   <li>Hardmax and argmax pick the first maximum; a NaN counts as the maximum (as numpy and torch
 *       argmax). Argmax over an empty axis is an error.</li>
 *   <li>{@code out} may be exactly {@code in} (in place) for the shape-preserving ops; any other overlap
 *       is rejected.</li>
 *   <li>Every argument is validated before anything is written: a bad call throws
 *       {@link IllegalArgumentException} naming the argument and leaves {@code out} untouched.
 *       Device failures throw {@link SoftmaxEngineException}.</li>
 * </ul>
 *
 * <p>Two kinds of calls: the {@link Tensor} methods write into memory the caller owns (arrays,
 * segments, or {@link #allocate device buffers} that keep chained calls on the device) and allocate
 * nothing; the array methods ({@link #softmax(float[], int)} and the like) take rows of
 * {@code cols} elements and return a new array.
 *
 * <p>Implementations are safe to share between threads: calls on distinct outputs may run
 * concurrently. {@link #close()} releases native resources and must not race with calls.
 * Backends implement {@link dev.softmaxengine.api.spi.KernelBackend}.
 */
public interface SoftmaxKernel extends AutoCloseable {

    /** The backend's name: {@code scalar}, {@code simd}, {@code opencl}, {@code cuda}. */
    String backend();

    /** The device it runs on, in words (e.g. {@code "CPU 512-bit vectors (16 x float32, 8 x float64), 2 threads"}). */
    String device();

    /** The error bound this kernel promises for {@code op} in {@code dtype} against the fp64 oracle. */
    Tolerance tolerance(Op op, DType dtype);

    /**
     * Memory of this backend, where chained calls keep data without host round trips (device memory
     * on a GPU backend, aligned off-heap memory on the CPU backends). The caller closes it.
     *
     * @param dtype the element type
     * @param elements the capacity, {@code >= 0}
     */
    DeviceBuffer allocate(DType dtype, long elements);

    // ---- Tensor calls: write into the caller's memory ----

    /** Softmax along the last axis, temperature 1. */
    void softmax(Tensor in, Tensor out);

    /** Softmax along {@code axis} (negative counts from the end). */
    void softmax(Tensor in, Tensor out, int axis);

    /** softmax(in / temperature) along {@code axis}; {@code temperature} is finite and {@code > 0}. */
    void softmax(Tensor in, Tensor out, int axis, double temperature);

    /** Log-softmax along the last axis, temperature 1. */
    void logSoftmax(Tensor in, Tensor out);

    /** Log-softmax along {@code axis}. */
    void logSoftmax(Tensor in, Tensor out, int axis);

    /** log-softmax(in / temperature) along {@code axis}. */
    void logSoftmax(Tensor in, Tensor out, int axis, double temperature);

    /**
     * log(sum(exp(in))) along {@code axis}: the log partition function. {@code out} has the input's
     * shape without the axis, or with it as 1 when {@code keepdims}.
     */
    void logSumExp(Tensor in, Tensor out, int axis, boolean keepdims);

    /** 1 / (1 + exp(-x)) of every element; {@code out} has the input's shape. */
    void sigmoid(Tensor in, Tensor out);

    /** log(sigmoid(x)) of every element, exact for large |x|. */
    void logSigmoid(Tensor in, Tensor out);

    /** One-hot of the first maximum along {@code axis}; {@code out} has the input's shape. */
    void hardmax(Tensor in, Tensor out, int axis);

    /**
     * Index of the first maximum along {@code axis} into an INT32 {@code out} of the input's shape
     * without the axis (or with it as 1 when {@code keepdims}).
     */
    void argmax(Tensor in, Tensor out, int axis, boolean keepdims);

    /**
     * Argmax along {@code axis} into an int array with one element per slice: the input's shape
     * without the axis, row-major.
     */
    default void argmax(Tensor in, int[] out, int axis) {
        if (in == null) {
            throw new IllegalArgumentException("in must not be null");
        }
        if (out == null) {
            throw new IllegalArgumentException("out must not be null");
        }
        if (in.shape().rank() == 0) {
            throw new IllegalArgumentException("in has rank 0; an axis op needs rank >= 1");
        }
        Shape reduced = in.shape().reduce(in.shape().normalizeAxis(axis), false);
        if (out.length != reduced.size()) {
            throw new IllegalArgumentException("out has " + out.length + " elements, argmax of " + in.shape()
                    + " over axis " + axis + " needs " + reduced.size());
        }
        argmax(in, Tensor.of(out, reduced.dims()), axis, false);
    }

    // ---- Array calls: rows of cols elements in, a new array out ----

    /** Softmax of each row of {@code cols} elements of {@code x} ({@code x.length} a multiple of {@code cols}). */
    default float[] softmax(float[] x, int cols) {
        float[] out = new float[Rows.count(x, cols)];
        softmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /** Softmax of each row of {@code cols} elements of {@code x}, in float64. */
    default double[] softmax(double[] x, int cols) {
        double[] out = new double[Rows.count(x, cols)];
        softmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /**
     * Softmax of float32 rows, computed and returned in float64: for callers who want probabilities
     * with fp64 accuracy (tiny tails, sums to 1 within 1e-15) from float32 logits. Costs a widening
     * copy of the input.
     */
    default double[] softmaxToDouble(float[] x, int cols) {
        return softmax(Rows.widen(x, cols), cols);
    }

    /** Softmax of each row of a matrix whose rows all have the same length. */
    default float[][] softmax(float[][] rows) {
        return Rows.split(softmax(Rows.join(rows), Rows.width(rows)), rows.length);
    }

    /** Log-softmax of each row of {@code cols} elements of {@code x}. */
    default float[] logSoftmax(float[] x, int cols) {
        float[] out = new float[Rows.count(x, cols)];
        logSoftmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /** Log-softmax of each row of {@code cols} elements of {@code x}, in float64. */
    default double[] logSoftmax(double[] x, int cols) {
        double[] out = new double[Rows.count(x, cols)];
        logSoftmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /** Log-softmax of float32 rows, computed and returned in float64 (see {@link #softmaxToDouble}). */
    default double[] logSoftmaxToDouble(float[] x, int cols) {
        return logSoftmax(Rows.widen(x, cols), cols);
    }

    /** log(sum(exp(row))) of each row of {@code cols} elements: one value per row. */
    default float[] logSumExp(float[] x, int cols) {
        int rows = Rows.count(x, cols) / Math.max(cols, 1);
        float[] out = new float[rows];
        logSumExp(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /** log(sum(exp(row))) of each row of {@code cols} elements, in float64. */
    default double[] logSumExp(double[] x, int cols) {
        int rows = Rows.count(x, cols) / Math.max(cols, 1);
        double[] out = new double[rows];
        logSumExp(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /** Sigmoid of every element. */
    default float[] sigmoid(float[] x) {
        float[] out = new float[Rows.count(x, 1)];
        sigmoid(Tensor.vector(x), Tensor.vector(out));
        return out;
    }

    /** Sigmoid of every element, in float64. */
    default double[] sigmoid(double[] x) {
        double[] out = new double[Rows.count(x, 1)];
        sigmoid(Tensor.vector(x), Tensor.vector(out));
        return out;
    }

    /** Index of the first maximum of each row of {@code cols} elements ({@code cols >= 1}). */
    default int[] argmax(float[] x, int cols) {
        int rows = Rows.count(x, cols) / Math.max(cols, 1);
        int[] out = new int[rows];
        argmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /** Index of the first maximum of each row of {@code cols} elements ({@code cols >= 1}). */
    default int[] argmax(double[] x, int cols) {
        int rows = Rows.count(x, cols) / Math.max(cols, 1);
        int[] out = new int[rows];
        argmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /**
     * Releases native resources (device memory, contexts, worker threads). Idempotent. Later calls
     * on a closed kernel throw {@link IllegalStateException}, except on the scalar kernel, which holds
     * nothing.
     */
    @Override
    void close();
}
