package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/** Something the suite times over the sweep: an engine kernel at a thread count, or ONNX Runtime's Softmax. */
interface Contender extends AutoCloseable {

    /** How reports name it: {@code simd x2}, {@code onnxruntime x1}, {@code cuda}. */
    String label();

    String backend();

    String device();

    /** CPU threads it computes on; 0 for a device backend. */
    int threads();

    /** True when its operands live in host memory, so that the CPU copy ceiling bounds it. */
    boolean onHost();

    boolean supports(Op op, DType dtype);

    /**
     * The memory roof of a device contender: {@code bytes} copied from one of its buffers into
     * another, device to device, timed by the device's clock; empty for a host contender or a
     * backend without a timed device copy.
     */
    default Optional<Ceiling> deviceCopy(long bytes, Timing timing) {
        return Optional.empty();
    }

    /**
     * Its operands for one shape: {@code input} ({@code shape.elements()} values of {@code dtype},
     * host memory) copied into its own memory, and outputs to match; {@code selection} holds the
     * parameters of top-k and sample.
     */
    Prepared prepare(BenchShape shape, DType dtype, MemorySegment input, SelectionParams selection);

    @Override
    void close();

    /** A contender's operands for one shape and dtype; closing frees them. */
    interface Prepared extends AutoCloseable {

        /** One call of {@code op}: its device time in ms, or empty to be timed by the host clock. */
        OptionalDouble run(Op op);

        /**
         * Checks the first row of the last {@link #run} of {@code op} against the fp64 oracle, so that a
         * call that does not compute the op is never reported as fast.
         *
         * @throws IllegalStateException naming the first element outside the bound
         */
        void check(Op op);

        /** Host-device copies of the input and the output, timed; empty when the operands are host memory. */
        List<TransferResult> transfers(Timing timing);

        @Override
        void close();
    }
}
