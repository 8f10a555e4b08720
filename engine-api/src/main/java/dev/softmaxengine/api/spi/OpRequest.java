package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceTensor;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * One validated call: the op, its operands and the axis resolved into a (outer, n, inner) layout,
 * where element (o, k, i) of the input sits at {@code (o * n + k) * inner + i}. Every check a call
 * needs happens in the factory methods, before any kernel touches memory, so backends receive
 * only well-formed requests. Made by {@link KernelBackend}'s op methods, or by harnesses that run
 * one prepared call many times (the bench, the CLI's {@code apply}).
 *
 * <p>Elementwise ops use {@code outer = 1, n = size, inner = 1}. {@link Op#TOP_K} and
 * {@link Op#SAMPLE} are made by {@link #topK} and {@link #sample}, and have a second output
 * ({@link #secondOut()}).
 */
public final class OpRequest {
    private final Op op;
    private final Tensor in;
    private final Tensor out;
    private final int axis;
    private final long outer;
    private final long n;
    private final long inner;
    private final double temperature;
    private final boolean keepdims;
    private final boolean inPlace;
    private final Tensor second;
    private final int k;
    private final Sampling sampling;

    private OpRequest(Op op, Tensor in, Tensor out, int axis, double temperature, boolean keepdims) {
        this(op, in, out, null, axis, temperature, keepdims, 0, null);
    }

    private OpRequest(Op op, Tensor in, Tensor out, Tensor second, int axis, double temperature, boolean keepdims,
            int k, Sampling sampling) {
        this.op = op;
        this.in = in;
        this.out = out;
        this.second = second;
        this.k = k;
        this.sampling = sampling;
        this.axis = axis;
        this.temperature = temperature;
        this.keepdims = keepdims;
        Shape s = in.shape();
        if (op.isElementwise()) {
            outer = 1;
            n = s.size();
            inner = 1;
        } else {
            outer = s.outer(axis);
            n = s.dim(axis);
            inner = s.inner(axis);
        }
        this.inPlace = Tensor.overlap(in, out) == Tensor.Overlap.SAME;
    }

    /**
     * {@code op} along the last axis, temperature 1, without keepdims.
     *
     * @param op the operation
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16)
     * @param out the output, as for {@link #of(Op, Tensor, Tensor, int, double, boolean)}
     * @return the checked request
     * @throws IllegalArgumentException naming the argument that breaks a rule of
     *     {@link #of(Op, Tensor, Tensor, int, double, boolean)}
     */
    public static OpRequest of(Op op, Tensor in, Tensor out) {
        return of(op, in, out, -1, 1.0, false);
    }

    /**
     * {@code op} along {@code axis}, temperature 1, without keepdims.
     *
     * @param op the operation
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16)
     * @param out the output, as for {@link #of(Op, Tensor, Tensor, int, double, boolean)}
     * @param axis the axis, negative counting from the end; ignored by the elementwise ops
     * @return the checked request
     * @throws IllegalArgumentException naming the argument that breaks a rule of
     *     {@link #of(Op, Tensor, Tensor, int, double, boolean)}
     */
    public static OpRequest of(Op op, Tensor in, Tensor out, int axis) {
        return of(op, in, out, axis, 1.0, false);
    }

    /**
     * One call of {@code op}, checked.
     *
     * @param op the operation
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16)
     * @param out the output: the input's shape and dtype for the shape-preserving ops; for logsumexp
     *     the shape without the axis (or with it as 1 when {@code keepdims}) and the input's dtype;
     *     for argmax that reduced shape in INT32
     * @param axis the axis, negative counting from the end; ignored by the elementwise ops
     * @param temperature divides the input of softmax and log-softmax; must be 1 for the other ops
     * @param keepdims whether a reducing op keeps the axis as 1; must be false for the other ops
     * @return the checked request, with the axis resolved into {@code outer}, {@code n} and {@code inner}
     * @throws IllegalArgumentException naming the argument that breaks a rule
     */
    public static OpRequest of(Op op, Tensor in, Tensor out, int axis, double temperature, boolean keepdims) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        if (in == null) {
            throw new IllegalArgumentException("in must not be null");
        }
        if (out == null) {
            throw new IllegalArgumentException("out must not be null");
        }
        if (op == Op.TOP_K || op == Op.SAMPLE) {
            throw new IllegalArgumentException(op.cliName() + " takes its own parameters and a second output: make it"
                    + " with OpRequest." + (op == Op.TOP_K ? "topK" : "sample"));
        }
        if (!in.dtype().isFloating()) {
            throw new IllegalArgumentException("in has dtype " + in.dtype() + "; " + op.cliName()
                    + " reads FLOAT32, FLOAT64, BFLOAT16 or FLOAT16");
        }
        DType outType = op == Op.ARGMAX ? DType.INT32 : in.dtype();
        if (out.dtype() != outType) {
            throw new IllegalArgumentException("out has dtype " + out.dtype() + ", " + op.cliName() + " of "
                    + in.dtype() + " writes " + outType);
        }
        if (out instanceof SegmentTensor s && s.segment().isReadOnly()) {
            throw new IllegalArgumentException("out is a read-only segment");
        }
        boolean softmax = op == Op.SOFTMAX || op == Op.LOG_SOFTMAX;
        if (softmax && (!(temperature > 0) || Double.isInfinite(temperature))) {
            throw new IllegalArgumentException("temperature must be finite and > 0, was " + temperature);
        }
        if (!softmax && temperature != 1.0) {
            throw new IllegalArgumentException("temperature must be 1 for " + op.cliName()
                    + ", was " + temperature + " (only softmax and log-softmax take one)");
        }
        if (keepdims && !op.isReducing()) {
            throw new IllegalArgumentException("keepdims applies to logsumexp and argmax, not " + op.cliName());
        }
        int a = op.isElementwise() ? 0 : axisOf(in, axis);
        if (op.isReducing()) {
            Shape expected = in.shape().reduce(a, keepdims);
            if (!out.shape().equals(expected)) {
                throw new IllegalArgumentException("out has shape " + out.shape() + ", " + op.cliName() + " of "
                        + in.shape() + " over axis " + axis + (keepdims ? " with" : " without") + " keepdims needs "
                        + expected);
            }
            if (op == Op.ARGMAX && in.shape().dim(a) == 0 && expected.size() > 0) {
                throw new IllegalArgumentException("argmax over axis " + axis + " of " + in.shape()
                        + ": the axis is empty, so there is no maximum");
            }
        } else if (!in.shape().equals(out.shape())) {
            throw new IllegalArgumentException("out has shape " + out.shape() + ", in has " + in.shape()
                    + "; both must be the same");
        }
        checkAliasing(op, in, out, !op.isReducing());
        return new OpRequest(op, in, out, a, temperature, keepdims);
    }

    /**
     * The {@code k} largest entries of each slice along {@code axis}, sorted descending (ties to the
     * lower index, NaN as the maximum), checked. The values are copies of input elements, bit for
     * bit in every dtype (a bfloat16 or float16 input gives its own 16-bit values back).
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of rank {@code >= 1}
     * @param values receives the entries: the input's shape with the axis of length {@code k}, the input's dtype
     * @param indices receives their indices along the axis: the shape of {@code values}, INT32
     * @param k how many entries per slice, in {@code [1, n]} for an axis of length {@code n}
     * @param axis the axis, negative counting from the end
     * @return the checked request; {@link #secondOut()} is {@code indices}
     * @throws IllegalArgumentException naming the argument that breaks a rule
     */
    public static OpRequest topK(Tensor in, Tensor values, Tensor indices, int k, int axis) {
        requireOperands(Op.TOP_K, in, values, "values");
        if (indices == null) {
            throw new IllegalArgumentException("indices must not be null");
        }
        int a = axisOf(in, axis);
        long n = in.shape().dim(a);
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k must be in [1, " + n + "] for axis " + axis + " of " + in.shape()
                    + ", was " + k);
        }
        long[] dims = in.shape().dims();
        dims[a] = k;
        Shape expected = Shape.of(dims);
        if (!values.shape().equals(expected)) {
            throw new IllegalArgumentException("values has shape " + values.shape() + ", top-k of " + in.shape()
                    + " with k " + k + " over axis " + axis + " needs " + expected);
        }
        requireSecond(Op.TOP_K, "indices", indices, DType.INT32, expected);
        checkDisjoint("values", values, "in", in);
        checkDisjoint("indices", indices, "in", in);
        checkDisjoint("indices", indices, "values", values);
        return new OpRequest(Op.TOP_K, in, values, indices, a, 1.0, false, k, null);
    }

    /**
     * One draw per row (the last axis) from softmax(x / T) restricted as {@code sampling} says,
     * checked. A row holding a NaN, or at a temperature above 0 a +inf or only -inf (where softmax is
     * undefined), draws index -1 and log-probability NaN. A bfloat16 or float16 input is widened to
     * float32, which is exact, so it draws what that float32 input draws on the same backend.
     *
     * @param in the input, of a floating dtype (FLOAT32, FLOAT64, BFLOAT16, FLOAT16), of rank
     *     {@code >= 1} with a non-empty last axis when there are rows
     * @param indices receives the drawn index of each row: the input's shape without the last axis, INT32
     * @param logProbs receives each draw's log-probability under the restricted distribution (0 at
     *     temperature 0), the shape of {@code indices} in the input's dtype (for a 16-bit input the
     *     value is computed as for float32 and rounded to the 16-bit dtype); null for none
     * @param sampling the temperature, restrictions and seed; its {@code topK} at most the row length
     * @return the checked request; {@link #secondOut()} is {@code logProbs} when given
     * @throws IllegalArgumentException naming the argument that breaks a rule
     */
    public static OpRequest sample(Tensor in, Tensor indices, Tensor logProbs, Sampling sampling) {
        if (in == null) {
            throw new IllegalArgumentException("in must not be null");
        }
        if (indices == null) {
            throw new IllegalArgumentException("indices must not be null");
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling must not be null");
        }
        requireSelectionInput(Op.SAMPLE, in);
        int a = axisOf(in, -1);
        long n = in.shape().dim(a);
        Shape expected = in.shape().reduce(a, false);
        if (sampling.topK() > n) {
            throw new IllegalArgumentException("topK must be at most the row length " + n + " (0 keeps every entry), was "
                    + sampling.topK());
        }
        if (n == 0 && expected.size() > 0) {
            throw new IllegalArgumentException("sample of " + in.shape() + ": the rows are empty, so there is nothing"
                    + " to draw");
        }
        if (indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("indices has dtype " + indices.dtype() + ", sample writes INT32");
        }
        if (!indices.shape().equals(expected)) {
            throw new IllegalArgumentException("indices has shape " + indices.shape() + ", sample of " + in.shape()
                    + " needs " + expected + " (one draw per row of the last axis)");
        }
        requireWritable("indices", indices);
        checkDisjoint("indices", indices, "in", in);
        if (logProbs != null) {
            requireSecond(Op.SAMPLE, "logProbs", logProbs, in.dtype(), expected);
            checkDisjoint("logProbs", logProbs, "in", in);
            checkDisjoint("logProbs", logProbs, "indices", indices);
        }
        return new OpRequest(Op.SAMPLE, in, indices, logProbs, a, 1.0, false, 0, sampling);
    }

    private static void requireOperands(Op op, Tensor in, Tensor out, String outName) {
        if (in == null) {
            throw new IllegalArgumentException("in must not be null");
        }
        if (out == null) {
            throw new IllegalArgumentException(outName + " must not be null");
        }
        requireSelectionInput(op, in);
        if (out.dtype() != in.dtype()) {
            throw new IllegalArgumentException(outName + " has dtype " + out.dtype() + ", " + op.cliName() + " of "
                    + in.dtype() + " writes " + in.dtype());
        }
        requireWritable(outName, out);
    }

    private static void requireSelectionInput(Op op, Tensor in) {
        if (!in.dtype().isFloating()) {
            throw new IllegalArgumentException("in has dtype " + in.dtype() + "; " + op.cliName()
                    + " reads FLOAT32, FLOAT64, BFLOAT16 or FLOAT16");
        }
    }

    private static void requireSecond(Op op, String name, Tensor t, DType dtype, Shape shape) {
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(name + " has dtype " + t.dtype() + ", " + op.cliName() + " writes " + dtype);
        }
        if (!t.shape().equals(shape)) {
            throw new IllegalArgumentException(name + " has shape " + t.shape() + ", " + op.cliName() + " needs " + shape);
        }
        requireWritable(name, t);
    }

    private static void requireWritable(String name, Tensor t) {
        if (t instanceof SegmentTensor s && s.segment().isReadOnly()) {
            throw new IllegalArgumentException(name + " is a read-only segment");
        }
    }

    private static void checkDisjoint(String name, Tensor a, String otherName, Tensor b) {
        if (Tensor.overlap(a, b) != Tensor.Overlap.DISJOINT) {
            throw new IllegalArgumentException(name + " overlaps " + otherName + "; they must be disjoint");
        }
    }

    private static int axisOf(Tensor in, int axis) {
        if (in.shape().rank() == 0) {
            throw new IllegalArgumentException("in has rank 0; an axis op needs rank >= 1");
        }
        return in.shape().normalizeAxis(axis);
    }

    private static void checkAliasing(Op op, Tensor in, Tensor out, boolean inPlaceAllowed) {
        Tensor.Overlap o = Tensor.overlap(in, out);
        if (o == Tensor.Overlap.PARTIAL || (o == Tensor.Overlap.SAME && !inPlaceAllowed)) {
            throw new IllegalArgumentException("out overlaps in; " + op.cliName()
                    + (inPlaceAllowed ? " runs in place only when out is exactly in" : " cannot run in place"));
        }
    }

    /**
     * For backends that compute on host memory: rejects device-resident operands of other backends.
     *
     * @param backend the calling backend's name, for the message
     * @throws IllegalArgumentException naming the operand and where it lives
     */
    public void requireHost(String backend) {
        requireHost(backend, "in", in);
        requireHost(backend, "out", out);
        if (second != null) {
            requireHost(backend, "the second output", second);
        }
    }

    /**
     * Rejects host segments the calling thread may not touch: one whose arena is closed, or one
     * confined to another thread. Backends that hand segment addresses to native code (OpenCL, CUDA)
     * must call this, since native code bypasses the segment's own checks; the others get the same
     * message instead of the JDK's.
     *
     * @throws IllegalStateException naming the operand
     */
    public void requireAccessible() {
        requireAccessible("in", in);
        requireAccessible("out", out);
        if (second != null) {
            requireAccessible("the second output", second);
        }
    }

    /**
     * {@link #requireAccessible()} for one operand; a no-op for arrays and device memory.
     *
     * @param name the operand's name, for the message
     * @param t the operand; null, arrays and device tensors pass unchecked
     * @throws IllegalStateException when {@code t} is a segment of a closed arena or confined to another
     *     thread
     */
    public static void requireAccessible(String name, Tensor t) {
        if (!(t instanceof SegmentTensor st)) {
            return;
        }
        MemorySegment s = st.segment();
        if (!s.scope().isAlive()) {
            throw new IllegalStateException(name + " is a segment of a closed arena");
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalStateException(name + " is a segment confined to another thread than "
                    + Thread.currentThread().getName());
        }
    }

    private static void requireHost(String backend, String name, Tensor t) {
        if (t instanceof DeviceTensor d) {
            throw new IllegalArgumentException(name + " is device memory of backend " + d.buffer().backend()
                    + "; the " + backend + " backend computes on host memory (DeviceBuffer.read() it first)");
        }
    }

    /**
     * The operation.
     *
     * @return the operation, never null
     */
    public Op op() {
        return op;
    }

    /**
     * The input tensor.
     *
     * @return the input tensor, of a floating dtype
     */
    public Tensor in() {
        return in;
    }

    /**
     * The output tensor: INT32 for {@link Op#ARGMAX} and {@link Op#SAMPLE} (the indices), else the
     * input's dtype ({@link Op#TOP_K}'s values).
     *
     * @return the tensor the kernel writes; may be {@code in()} itself (see {@link #inPlace()})
     */
    public Tensor out() {
        return out;
    }

    /**
     * The second output: {@link Op#TOP_K}'s INT32 indices (always present), {@link Op#SAMPLE}'s
     * log-probabilities (when asked for).
     *
     * @return the tensor, or empty for every other op and a sample without log-probabilities
     */
    public Optional<Tensor> secondOut() {
        return Optional.ofNullable(second);
    }

    /**
     * {@link Op#TOP_K}'s k.
     *
     * @return the number of entries per slice, in {@code [1, n]}
     * @throws IllegalStateException for every other op
     */
    public int k() {
        if (op != Op.TOP_K) {
            throw new IllegalStateException(op.cliName() + " has no k");
        }
        return k;
    }

    /**
     * {@link Op#SAMPLE}'s parameters.
     *
     * @return the temperature, restrictions and seed, checked against the row length
     * @throws IllegalStateException for every other op
     */
    public Sampling sampling() {
        if (op != Op.SAMPLE) {
            throw new IllegalStateException(op.cliName() + " has no sampling parameters");
        }
        return sampling;
    }

    /**
     * The normalized axis (0 for elementwise ops).
     *
     * @return the axis in {@code [0, rank)}, or 0 for elementwise ops
     */
    public int axis() {
        return axis;
    }

    /**
     * Number of slices before the axis.
     *
     * @return the product of the dimensions before the axis, {@code >= 0}; 1 for elementwise ops
     */
    public long outer() {
        return outer;
    }

    /**
     * Length of the axis.
     *
     * @return the number of elements each slice reduces over, {@code >= 0}; the element count for
     *     elementwise ops
     */
    public long n() {
        return n;
    }

    /**
     * Stride of the axis: product of the dimensions after it (1 when the axis is last).
     *
     * @return the distance in elements between consecutive entries of a slice, {@code >= 0}; 1 for
     *     elementwise ops
     */
    public long inner() {
        return inner;
    }

    /**
     * The temperature.
     *
     * @return the divisor of softmax and log-softmax inputs, finite and {@code > 0}; 1 for every
     *     other op
     */
    public double temperature() {
        return temperature;
    }

    /**
     * Whether the output keeps the reduced axis.
     *
     * @return true when a reducing op keeps the axis as a dimension of 1; always false for the other
     *     ops
     */
    public boolean keepdims() {
        return keepdims;
    }

    /**
     * True when {@code out} is exactly {@code in}.
     *
     * @return true when {@code out} and {@code in} are the same memory, so writes overwrite the input
     */
    public boolean inPlace() {
        return inPlace;
    }

    /**
     * The input's dtype, which the output shares (but argmax's): the op computes in its
     * {@link DType#computeType()}, float32 for the 16-bit dtypes.
     *
     * @return FLOAT32, FLOAT64, BFLOAT16 or FLOAT16
     */
    public DType dtype() {
        return in.dtype();
    }

    @Override
    public String toString() {
        return op.cliName() + "(" + in + ", axis " + axis + ", outer " + outer + ", n " + n + ", inner " + inner
                + (temperature != 1.0 ? ", T " + temperature : "") + (op == Op.TOP_K ? ", k " + k : "")
                + (sampling != null ? ", " + sampling : "") + ")";
    }
}
