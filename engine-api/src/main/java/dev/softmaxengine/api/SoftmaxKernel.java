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
 * <p>bfloat16 and float16 tensors ({@link Tensor#of(short[], DType, long...)}) are read and written
 * in their dtype and computed in float32: each result is the float32 one rounded once more, to
 * nearest even, which dominates the bound ({@link #tolerance}: about 2^-8 relative for bfloat16,
 * 2^-11 for float16).
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

    /**
     * The backend's name: {@code scalar}, {@code simd}, {@code opencl}, {@code cuda}.
     *
     * @return the backend's unique lower-case name, as {@link Backends#create(String)} accepts it
     */
    String backend();

    /**
     * The device it runs on, in words (e.g. {@code "CPU 512-bit vectors (16 x float32, 8 x float64), 2 threads"}).
     *
     * @return a human-readable description for logs and reports; not meant to be parsed
     */
    String device();

    /**
     * The error bound this kernel promises for {@code op} in {@code dtype} against the fp64 oracle
     * (for {@link Op#TOP_K} and {@link Op#SAMPLE}: of the values and log-probabilities they write;
     * their indices are exact, a draw matching the oracle's except where the uniform falls within
     * rounding of a boundary of the cumulative distribution).
     *
     * @param op the operation
     * @param dtype the input dtype, any floating dtype (the 16-bit ones include rounding the result to them)
     * @return the bound that every element this kernel writes for {@code op} in {@code dtype} meets
     */
    Tolerance tolerance(Op op, DType dtype);

    /**
     * Memory of this backend, where chained calls keep data without host round trips (device memory
     * on a GPU backend, aligned off-heap memory on the CPU backends). The caller closes it.
     *
     * @param dtype the element type
     * @param elements the capacity, {@code >= 0}
     * @return a new buffer of this backend; its contents are unspecified until written, except that
     *     the CPU backends zero it
     * @throws IllegalArgumentException when {@code dtype} is null, {@code elements} is negative, or the
     *     byte count overflows (on the CPU backends also when off-heap memory runs out)
     * @throws IllegalStateException when this kernel is closed
     * @throws SoftmaxEngineException when a GPU backend's device refuses the allocation
     */
    DeviceBuffer allocate(DType dtype, long elements);

    // ---- Tensor calls: write into the caller's memory ----

    /**
     * Softmax along the last axis, temperature 1.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void softmax(Tensor in, Tensor out);

    /**
     * Softmax along {@code axis} (negative counts from the end).
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void softmax(Tensor in, Tensor out, int axis);

    /**
     * softmax(in / temperature) along {@code axis}; {@code temperature} is finite and {@code > 0}.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @param temperature divides the input before the exponential; finite and {@code > 0}; 1 is plain
     *     softmax, larger values flatten the distribution
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void softmax(Tensor in, Tensor out, int axis, double temperature);

    /**
     * Log-softmax along the last axis, temperature 1.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void logSoftmax(Tensor in, Tensor out);

    /**
     * Log-softmax along {@code axis}.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void logSoftmax(Tensor in, Tensor out, int axis);

    /**
     * log-softmax(in / temperature) along {@code axis}.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @param temperature divides the input before the exponential; finite and {@code > 0}
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void logSoftmax(Tensor in, Tensor out, int axis, double temperature);

    /**
     * log(sum(exp(in))) along {@code axis}: the log partition function. {@code out} has the input's
     * shape without the axis, or with it as 1 when {@code keepdims}.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives one value per slice, in the input's dtype; must not overlap {@code in}
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @param keepdims whether {@code out} keeps the axis as a dimension of length 1
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void logSumExp(Tensor in, Tensor out, int axis, boolean keepdims);

    /**
     * 1 / (1 + exp(-x)) of every element; {@code out} has the input's shape.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void sigmoid(Tensor in, Tensor out);

    /**
     * log(sigmoid(x)) of every element, exact for large |x|.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank
     * @param out receives the result: the input's shape and dtype; may be exactly {@code in}
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void logSigmoid(Tensor in, Tensor out);

    /**
     * One-hot of the first maximum along {@code axis}; {@code out} has the input's shape.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives 1 at the first maximum of each slice and 0 elsewhere: the input's shape
     *     and dtype; may be exactly {@code in}
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, temperature, overlap); {@code out} is then untouched
     */
    void hardmax(Tensor in, Tensor out, int axis);

    /**
     * Index of the first maximum along {@code axis} into an INT32 {@code out} of the input's shape
     * without the axis (or with it as 1 when {@code keepdims}).
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives one index in {@code [0, n)} per slice, where {@code n} is the axis length
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @param keepdims whether {@code out} keeps the axis as a dimension of length 1
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#of(Op, Tensor, Tensor, int, double, boolean)} (dtype,
     *     shape, axis, overlap), or the axis is empty while there are slices; {@code out} is then untouched
     */
    void argmax(Tensor in, Tensor out, int axis, boolean keepdims);

    /**
     * Argmax along {@code axis} into an int array with one element per slice: the input's shape
     * without the axis, row-major.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param out receives one index in {@code [0, n)} per slice; its length must be the number of slices
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @throws IllegalArgumentException when {@code in} or {@code out} is null, {@code in} has rank 0, the
     *     axis is out of range, {@code out} has the wrong length, or the axis is empty while there are
     *     slices
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

    /**
     * The {@code k} largest entries of each slice along {@code axis}, sorted descending, with their
     * indices: ties go to the lower index, a NaN counts as the largest (as in argmax), -0.0 equals 0.0.
     * The values are the input's elements, bit for bit, in the input's dtype (16-bit ones too).
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of any rank {@code >= 1}
     * @param values receives the entries: the input's shape with the axis of length {@code k}, the
     *     input's dtype; must not overlap {@code in} or {@code indices}
     * @param indices receives each entry's index along the axis: the shape of {@code values}, INT32
     * @param k how many entries per slice, in {@code [1, n]} for an axis of length {@code n}
     * @param axis the axis, in {@code [-rank, rank)}; negative counts from the end
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#topK}; the outputs are then untouched
     */
    void topK(Tensor in, Tensor values, Tensor indices, int k, int axis);

    /**
     * One draw per row (the last axis) from softmax(in / T) restricted to the top-k, then to the
     * smallest prefix of mass {@code >= topP}, then to probabilities {@code >= minP} times the largest
     * (see {@link Sampling}). A row holding a NaN, or at a temperature above 0 a +inf or only -inf,
     * draws -1 with log-probability NaN: never a silent draw. A bfloat16 or float16 input draws what
     * its exact float32 widening draws.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of rank {@code >= 1}
     * @param indices receives one index per row, INT32, the input's shape without the last axis
     * @param logProbs receives the draws' log-probabilities under the restricted distribution, the
     *     shape of {@code indices} in the input's dtype; null for none
     * @param sampling the temperature, restrictions and seed
     * @throws IllegalArgumentException when an argument is null or breaks a rule of
     *     {@link dev.softmaxengine.api.spi.OpRequest#sample}; the outputs are then untouched
     */
    void sample(Tensor in, Tensor indices, Tensor logProbs, Sampling sampling);

    /**
     * {@link #sample(Tensor, Tensor, Tensor, Sampling)} with the parameters spelled out and no log-probabilities.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of rank {@code >= 1}
     * @param temperature finite and {@code >= 0}; 0 is argmax
     * @param topK 0 for every entry, else how many of the largest stay candidates, at most the row length
     * @param topP the kept prefix's mass, in {@code (0, 1]}
     * @param minP the least probability kept relative to the largest, in {@code [0, 1]}
     * @param seed the key of the random numbers
     * @param indices receives one index per row, INT32, the input's shape without the last axis
     * @throws IllegalArgumentException naming the argument out of range, as {@link Sampling} and
     *     {@link dev.softmaxengine.api.spi.OpRequest#sample} check them
     */
    default void sample(Tensor in, double temperature, int topK, double topP, double minP, long seed, Tensor indices) {
        sample(in, indices, null, new Sampling(temperature, topK, topP, minP, seed));
    }

    // ---- Array calls: rows of cols elements in, a new array out ----

    /**
     * Softmax of each row of {@code cols} elements of {@code x} ({@code x.length} a multiple of {@code cols}).
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length} probabilities, row by row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default float[] softmax(float[] x, int cols) {
        float[] out = new float[Rows.count(x, cols)];
        softmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /**
     * Softmax of each row of {@code cols} elements of {@code x}, in float64.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length} probabilities, row by row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default double[] softmax(double[] x, int cols) {
        double[] out = new double[Rows.count(x, cols)];
        softmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /**
     * Softmax of float32 rows, computed and returned in float64: for callers who want probabilities
     * with fp64 accuracy (tiny tails, sums to 1 within 1e-15) from float32 logits. Costs a widening
     * copy of the input.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new float64 array of {@code x.length} probabilities
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default double[] softmaxToDouble(float[] x, int cols) {
        return softmax(Rows.widen(x, cols), cols);
    }

    /**
     * Softmax of each row of a matrix whose rows all have the same length.
     *
     * @param rows the rows, none null; not modified
     * @return new rows of probabilities, one per input row; empty for no rows
     * @throws IllegalArgumentException when {@code rows} or a row is null, the rows differ in length, or
     *     they have 0 elements
     */
    default float[][] softmax(float[][] rows) {
        return Rows.split(softmax(Rows.join(rows), Rows.width(rows)), rows.length);
    }

    /**
     * Log-softmax of each row of {@code cols} elements of {@code x}.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length} log-probabilities, row by row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default float[] logSoftmax(float[] x, int cols) {
        float[] out = new float[Rows.count(x, cols)];
        logSoftmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /**
     * Log-softmax of each row of {@code cols} elements of {@code x}, in float64.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length} log-probabilities, row by row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default double[] logSoftmax(double[] x, int cols) {
        double[] out = new double[Rows.count(x, cols)];
        logSoftmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, Rows.shape(x.length, cols)));
        return out;
    }

    /**
     * Log-softmax of float32 rows, computed and returned in float64 (see {@link #softmaxToDouble}).
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new float64 array of {@code x.length} log-probabilities
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default double[] logSoftmaxToDouble(float[] x, int cols) {
        return logSoftmax(Rows.widen(x, cols), cols);
    }

    /**
     * log(sum(exp(row))) of each row of {@code cols} elements: one value per row.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length / cols} values, one per row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default float[] logSumExp(float[] x, int cols) {
        int rows = Rows.count(x, cols) / cols;
        float[] out = new float[rows];
        logSumExp(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /**
     * log(sum(exp(row))) of each row of {@code cols} elements, in float64.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length / cols} values, one per row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default double[] logSumExp(double[] x, int cols) {
        int rows = Rows.count(x, cols) / cols;
        double[] out = new double[rows];
        logSumExp(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /**
     * Sigmoid of every element.
     *
     * @param x the values, of any length; not modified
     * @return a new array of {@code x.length} values in [0, 1] (NaN for NaN)
     * @throws IllegalArgumentException when {@code x} is null
     */
    default float[] sigmoid(float[] x) {
        float[] out = new float[Rows.count(x, 1)];
        sigmoid(Tensor.vector(x), Tensor.vector(out));
        return out;
    }

    /**
     * Sigmoid of every element, in float64.
     *
     * @param x the values, of any length; not modified
     * @return a new array of {@code x.length} values in [0, 1] (NaN for NaN)
     * @throws IllegalArgumentException when {@code x} is null
     */
    default double[] sigmoid(double[] x) {
        double[] out = new double[Rows.count(x, 1)];
        sigmoid(Tensor.vector(x), Tensor.vector(out));
        return out;
    }

    /**
     * Index of the first maximum of each row of {@code cols} elements ({@code cols >= 1}).
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length / cols} indices in {@code [0, cols)}, one per row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default int[] argmax(float[] x, int cols) {
        int rows = Rows.count(x, cols) / cols;
        int[] out = new int[rows];
        argmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /**
     * Index of the first maximum of each row of {@code cols} elements ({@code cols >= 1}).
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @return a new array of {@code x.length / cols} indices in {@code [0, cols)}, one per row
     * @throws IllegalArgumentException when {@code x} is null, {@code cols < 1}, or {@code x.length} is not
     *     a multiple of {@code cols}
     */
    default int[] argmax(double[] x, int cols) {
        int rows = Rows.count(x, cols) / cols;
        int[] out = new int[rows];
        argmax(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), -1, false);
        return out;
    }

    /**
     * One draw from each row of {@code cols} elements ({@code cols >= 1}), as
     * {@link #sample(Tensor, Tensor, Tensor, Sampling)}.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @param sampling the temperature, restrictions and seed
     * @return a new array of {@code x.length / cols} indices, one per row (-1 for a row without a distribution)
     * @throws IllegalArgumentException when {@code x} or {@code sampling} is null, {@code cols < 1},
     *     {@code x.length} is not a multiple of {@code cols}, or {@code sampling.topK() > cols}
     */
    default int[] sample(float[] x, int cols, Sampling sampling) {
        int rows = Rows.count(x, cols) / cols;
        int[] out = new int[rows];
        sample(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), null, sampling);
        return out;
    }

    /**
     * One draw from each row of {@code cols} elements ({@code cols >= 1}), as
     * {@link #sample(Tensor, Tensor, Tensor, Sampling)}.
     *
     * @param x the rows, concatenated; {@code x.length} a multiple of {@code cols}; not modified
     * @param cols the number of elements per row, {@code >= 1}
     * @param sampling the temperature, restrictions and seed
     * @return a new array of {@code x.length / cols} indices, one per row (-1 for a row without a distribution)
     * @throws IllegalArgumentException when {@code x} or {@code sampling} is null, {@code cols < 1},
     *     {@code x.length} is not a multiple of {@code cols}, or {@code sampling.topK() > cols}
     */
    default int[] sample(double[] x, int cols, Sampling sampling) {
        int rows = Rows.count(x, cols) / cols;
        int[] out = new int[rows];
        sample(Tensor.of(x, Rows.shape(x.length, cols)), Tensor.of(out, rows), null, sampling);
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
