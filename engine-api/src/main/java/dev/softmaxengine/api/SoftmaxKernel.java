package dev.softmaxengine.api;

/**
 * The softmax family over N-d row-major tensors, backend-neutral: the only type callers see.
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
 * <p>Implementations are safe to share between threads: calls on distinct outputs may run
 * concurrently. {@link #close()} releases native resources and must not race with calls.
 */
public interface SoftmaxKernel extends AutoCloseable {

    /** The backend's name: {@code scalar}, {@code simd}, {@code opencl}, {@code cuda}. */
    String backend();

    /** The device it runs on, in words (e.g. {@code "AVX-512, 16 x float32 lanes, 2 threads"}). */
    String device();

    /** The error bound this kernel promises for {@code op} in {@code dtype} against the fp64 oracle. */
    Tolerance tolerance(Op op, DType dtype);

    /** Runs one validated request. Backends implement this; callers use the methods below. */
    void execute(OpRequest request);

    /**
     * Runs {@code request} like {@link #execute} and returns the time the device spent on it in
     * milliseconds, measured with device events (GPU backends), excluding host staging where the
     * operands are device-resident. Empty where the backend has no device clock: the CPU backends,
     * whose callers time with the host clock.
     */
    default java.util.OptionalDouble executeTimed(OpRequest request) {
        execute(request);
        return java.util.OptionalDouble.empty();
    }

    /**
     * Memory of this backend, where chained calls keep data without host round trips (device memory
     * on a GPU backend, aligned off-heap memory on the CPU backends). The caller closes it.
     */
    DeviceBuffer allocate(DType dtype, long elements);

    default void softmax(Tensor in, Tensor out) {
        softmax(in, out, -1, 1.0);
    }

    default void softmax(Tensor in, Tensor out, int axis) {
        softmax(in, out, axis, 1.0);
    }

    /** softmax(in / temperature) along {@code axis}. */
    default void softmax(Tensor in, Tensor out, int axis, double temperature) {
        execute(OpRequest.softmax(false, in, out, axis, temperature));
    }

    default void logSoftmax(Tensor in, Tensor out) {
        logSoftmax(in, out, -1, 1.0);
    }

    default void logSoftmax(Tensor in, Tensor out, int axis) {
        logSoftmax(in, out, axis, 1.0);
    }

    /** log-softmax(in / temperature) along {@code axis}. */
    default void logSoftmax(Tensor in, Tensor out, int axis, double temperature) {
        execute(OpRequest.softmax(true, in, out, axis, temperature));
    }

    /** log(sum(exp(in))) along {@code axis}: the log partition function. {@code out} drops the axis, or keeps it as 1. */
    default void logSumExp(Tensor in, Tensor out, int axis, boolean keepdims) {
        execute(OpRequest.logSumExp(in, out, axis, keepdims));
    }

    default void sigmoid(Tensor in, Tensor out) {
        execute(OpRequest.sigmoid(false, in, out));
    }

    default void logSigmoid(Tensor in, Tensor out) {
        execute(OpRequest.sigmoid(true, in, out));
    }

    default void hardmax(Tensor in, Tensor out, int axis) {
        execute(OpRequest.hardmax(in, out, axis));
    }

    /** Index of the first maximum along {@code axis} into {@code out} (the reduced shape, row-major). */
    default void argmax(Tensor in, int[] out, int axis) {
        execute(OpRequest.argmax(in, out, axis));
    }

    /** Releases native resources; a no-op for the CPU backends. */
    @Override
    default void close() {
    }
}
