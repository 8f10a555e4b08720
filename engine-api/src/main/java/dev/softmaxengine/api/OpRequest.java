package dev.softmaxengine.api;

import java.lang.foreign.MemorySegment;

/**
 * One validated call: the op, its operands and the axis resolved into a (outer, n, inner) layout,
 * where element (o, k, i) of the input sits at {@code (o * n + k) * inner + i}. Every check a call
 * needs happens in the factory methods, before any kernel touches memory, so backends receive
 * only well-formed requests.
 *
 * <p>Elementwise ops use {@code outer = 1, n = size, inner = 1}.
 */
public final class OpRequest {
    private final Op op;
    private final Tensor in;
    private final Tensor out;
    private final int[] indices;
    private final int axis;
    private final long outer;
    private final long n;
    private final long inner;
    private final double temperature;
    private final boolean keepdims;
    private final boolean inPlace;

    private OpRequest(Op op, Tensor in, Tensor out, int[] indices, int axis, double temperature, boolean keepdims) {
        this.op = op;
        this.in = in;
        this.out = out;
        this.indices = indices;
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
        this.inPlace = out != null && Tensor.overlap(in, out) == Tensor.Overlap.SAME;
    }

    /** softmax (or log-softmax when {@code log}) of {@code in / temperature} along {@code axis}, into {@code out} (same shape). */
    public static OpRequest softmax(boolean log, Tensor in, Tensor out, int axis, double temperature) {
        Op op = log ? Op.LOG_SOFTMAX : Op.SOFTMAX;
        checkOperands(in, out);
        int a = axisOf(in, axis);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, was " + temperature);
        }
        checkSameShape(in, out);
        checkAliasing(op, in, out, true);
        return new OpRequest(op, in, out, null, a, temperature, false);
    }

    /** log(sum(exp(in))) along {@code axis} into {@code out}, whose shape drops the axis (or keeps it as 1). */
    public static OpRequest logSumExp(Tensor in, Tensor out, int axis, boolean keepdims) {
        checkOperands(in, out);
        int a = axisOf(in, axis);
        Shape expected = in.shape().reduce(a, keepdims);
        if (!out.shape().equals(expected)) {
            throw new IllegalArgumentException("out has shape " + out.shape() + ", logsumexp of " + in.shape()
                    + " over axis " + axis + (keepdims ? " with" : " without") + " keepdims needs " + expected);
        }
        checkAliasing(Op.LOGSUMEXP, in, out, false);
        return new OpRequest(Op.LOGSUMEXP, in, out, null, a, 1.0, keepdims);
    }

    /** sigmoid (or log-sigmoid) of every element, into {@code out} (same shape). */
    public static OpRequest sigmoid(boolean log, Tensor in, Tensor out) {
        Op op = log ? Op.LOG_SIGMOID : Op.SIGMOID;
        checkOperands(in, out);
        checkSameShape(in, out);
        checkAliasing(op, in, out, true);
        return new OpRequest(op, in, out, null, 0, 1.0, false);
    }

    /** One-hot of the first maximum along {@code axis}, into {@code out} (same shape). */
    public static OpRequest hardmax(Tensor in, Tensor out, int axis) {
        checkOperands(in, out);
        int a = axisOf(in, axis);
        checkSameShape(in, out);
        checkAliasing(Op.HARDMAX, in, out, true);
        return new OpRequest(Op.HARDMAX, in, out, null, a, 1.0, false);
    }

    /** Index of the first maximum along {@code axis}; {@code out} holds the reduced shape's elements. */
    public static OpRequest argmax(Tensor in, int[] out, int axis) {
        if (in == null) {
            throw new IllegalArgumentException("in must not be null");
        }
        if (out == null) {
            throw new IllegalArgumentException("out must not be null");
        }
        int a = axisOf(in, axis);
        Shape reduced = in.shape().reduce(a, false);
        if (out.length != reduced.size()) {
            throw new IllegalArgumentException("out has " + out.length + " elements, argmax of " + in.shape()
                    + " over axis " + axis + " needs " + reduced.size());
        }
        if (in.shape().dim(a) == 0 && reduced.size() > 0) {
            throw new IllegalArgumentException("argmax over axis " + axis + " of " + in.shape()
                    + ": the axis is empty, so there is no maximum");
        }
        return new OpRequest(Op.ARGMAX, in, null, out, a, 1.0, false);
    }

    private static void checkOperands(Tensor in, Tensor out) {
        if (in == null) {
            throw new IllegalArgumentException("in must not be null");
        }
        if (out == null) {
            throw new IllegalArgumentException("out must not be null");
        }
        if (in.dtype() != out.dtype()) {
            throw new IllegalArgumentException("out has dtype " + out.dtype() + ", in has " + in.dtype()
                    + "; both must be the same");
        }
        if (out.storage() == Tensor.Storage.SEGMENT && out.segment().isReadOnly()) {
            throw new IllegalArgumentException("out is a read-only segment");
        }
    }

    private static int axisOf(Tensor in, int axis) {
        if (in.shape().rank() == 0) {
            throw new IllegalArgumentException("in has rank 0; an axis op needs rank >= 1");
        }
        return in.shape().normalizeAxis(axis);
    }

    private static void checkSameShape(Tensor in, Tensor out) {
        if (!in.shape().equals(out.shape())) {
            throw new IllegalArgumentException("out has shape " + out.shape() + ", in has " + in.shape()
                    + "; both must be the same");
        }
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
     * @throws IllegalArgumentException naming the operand and where it lives
     */
    public void requireHost(String backend) {
        requireHost(backend, "in", in);
        if (out != null) {
            requireHost(backend, "out", out);
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
        if (out != null) {
            requireAccessible("out", out);
        }
    }

    /** {@link #requireAccessible()} for one operand; a no-op for arrays and device memory. */
    public static void requireAccessible(String name, Tensor t) {
        if (t.storage() != Tensor.Storage.SEGMENT) {
            return;
        }
        MemorySegment s = t.segment();
        if (!s.scope().isAlive()) {
            throw new IllegalStateException(name + " is a segment of a closed arena");
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalStateException(name + " is a segment confined to another thread than "
                    + Thread.currentThread().getName());
        }
    }

    private static void requireHost(String backend, String name, Tensor t) {
        if (!t.isHost()) {
            throw new IllegalArgumentException(name + " is device memory of backend " + t.buffer().backend()
                    + "; the " + backend + " backend computes on host memory (DeviceBuffer.read() it first)");
        }
    }

    public Op op() {
        return op;
    }

    public Tensor in() {
        return in;
    }

    /** The output tensor; null for {@link Op#ARGMAX}. */
    public Tensor out() {
        return out;
    }

    /** The output of {@link Op#ARGMAX}; null otherwise. */
    public int[] indices() {
        return indices;
    }

    /** The normalized axis (0 for elementwise ops). */
    public int axis() {
        return axis;
    }

    /** Number of slices before the axis. */
    public long outer() {
        return outer;
    }

    /** Length of the axis. */
    public long n() {
        return n;
    }

    /** Stride of the axis: product of the dimensions after it (1 when the axis is last). */
    public long inner() {
        return inner;
    }

    /** Number of independent slices along the axis: {@code outer * inner}. */
    public long slices() {
        return outer * inner;
    }

    public double temperature() {
        return temperature;
    }

    public boolean keepdims() {
        return keepdims;
    }

    /** True when {@code out} is exactly {@code in}. */
    public boolean inPlace() {
        return inPlace;
    }

    public DType dtype() {
        return in.dtype();
    }

    @Override
    public String toString() {
        return op.cliName() + "(" + in + ", axis " + axis + ", outer " + outer + ", n " + n + ", inner " + inner
                + (temperature != 1.0 ? ", T " + temperature : "") + ")";
    }
}
