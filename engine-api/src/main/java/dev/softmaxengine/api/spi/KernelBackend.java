package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import java.util.OptionalDouble;

/**
 * What a backend implements: one entry, {@link #execute(OpRequest)}, that runs a validated request.
 * The {@link SoftmaxKernel} methods callers use are defined here once, in terms of it, so no backend
 * rebuilds requests. Harnesses that run one prepared request many times (the bench, the CLI's
 * {@code apply}) use {@link #of(SoftmaxKernel)} to reach the entry.
 */
public interface KernelBackend extends SoftmaxKernel {

    /**
     * Runs one validated request; {@code null} is an {@link IllegalArgumentException}.
     *
     * @param request the call to run, as made by {@link OpRequest#of}
     * @throws IllegalArgumentException when {@code request} is null or an operand lives in memory this
     *     backend cannot use (another backend's device memory)
     * @throws IllegalStateException when an operand's segment is not accessible from this thread, or
     *     this kernel is closed
     * @throws dev.softmaxengine.api.SoftmaxEngineException when the device, driver or kernel fails
     */
    void execute(OpRequest request);

    /**
     * Runs {@code request} like {@link #execute} and returns the time the device spent on it in
     * milliseconds, measured with device events (GPU backends), excluding host staging where the
     * operands are device-resident. Empty where the backend has no device clock: the CPU backends,
     * whose callers time with the host clock.
     *
     * @param request the call to run, as for {@link #execute}
     * @return the device time in milliseconds, {@code >= 0}, or empty; this default runs
     *     {@link #execute} and returns empty
     */
    default OptionalDouble executeTimed(OpRequest request) {
        execute(request);
        return OptionalDouble.empty();
    }

    /**
     * The backend behind a kernel from {@link dev.softmaxengine.api.Backends}.
     *
     * @param kernel a kernel; null is an {@link IllegalArgumentException}
     * @return {@code kernel} itself, typed as a backend
     * @throws IllegalArgumentException when {@code kernel} is not a backend (a caller's own implementation)
     */
    static KernelBackend of(SoftmaxKernel kernel) {
        if (kernel instanceof KernelBackend b) {
            return b;
        }
        throw new IllegalArgumentException("kernel " + (kernel == null ? "null" : kernel.getClass().getName())
                + " is not a softmax-engine backend");
    }

    @Override
    default void softmax(Tensor in, Tensor out) {
        execute(OpRequest.of(Op.SOFTMAX, in, out));
    }

    @Override
    default void softmax(Tensor in, Tensor out, int axis) {
        execute(OpRequest.of(Op.SOFTMAX, in, out, axis));
    }

    @Override
    default void softmax(Tensor in, Tensor out, int axis, double temperature) {
        execute(OpRequest.of(Op.SOFTMAX, in, out, axis, temperature, false));
    }

    @Override
    default void logSoftmax(Tensor in, Tensor out) {
        execute(OpRequest.of(Op.LOG_SOFTMAX, in, out));
    }

    @Override
    default void logSoftmax(Tensor in, Tensor out, int axis) {
        execute(OpRequest.of(Op.LOG_SOFTMAX, in, out, axis));
    }

    @Override
    default void logSoftmax(Tensor in, Tensor out, int axis, double temperature) {
        execute(OpRequest.of(Op.LOG_SOFTMAX, in, out, axis, temperature, false));
    }

    @Override
    default void logSumExp(Tensor in, Tensor out, int axis, boolean keepdims) {
        execute(OpRequest.of(Op.LOGSUMEXP, in, out, axis, 1.0, keepdims));
    }

    @Override
    default void sigmoid(Tensor in, Tensor out) {
        execute(OpRequest.of(Op.SIGMOID, in, out));
    }

    @Override
    default void logSigmoid(Tensor in, Tensor out) {
        execute(OpRequest.of(Op.LOG_SIGMOID, in, out));
    }

    @Override
    default void hardmax(Tensor in, Tensor out, int axis) {
        execute(OpRequest.of(Op.HARDMAX, in, out, axis));
    }

    @Override
    default void argmax(Tensor in, Tensor out, int axis, boolean keepdims) {
        execute(OpRequest.of(Op.ARGMAX, in, out, axis, 1.0, keepdims));
    }

    @Override
    default void topK(Tensor in, Tensor values, Tensor indices, int k, int axis) {
        execute(OpRequest.topK(in, values, indices, k, axis));
    }

    @Override
    default void sample(Tensor in, Tensor indices, Tensor logProbs, Sampling sampling) {
        execute(OpRequest.sample(in, indices, logProbs, sampling));
    }
}
