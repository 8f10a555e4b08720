package dev.softmaxengine.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An ONNX Runtime session of {@link OnnxSoftmaxModel} (Softmax by default; any of its
 * {@link OnnxSoftmaxModel#OP_TYPES}, float or double) bound to fixed input and output buffers, so
 * that {@link #run()} is the operator alone: no tensor is created or copied per call. The input
 * tensor wraps a direct buffer (ORT reads it in place) and the output is pinned into another, as
 * the engine's kernels write into a caller's buffer.
 */
public final class OnnxRuntimeSoftmax implements AutoCloseable {
    private final ByteBuffer input;
    private final ByteBuffer output;
    private final OrtSession session;
    private final OnnxTensor inputTensor;
    private final OnnxTensor outputTensor;
    private final Map<String, OnnxTensor> inputs;
    private final Map<String, OnnxTensor> outputs;

    /**
     * @param threads ONNX Runtime's intra-op threads (the caller's thread counts as one); inter-op
     *     parallelism is 1, there being one node
     */
    public OnnxRuntimeSoftmax(BenchShape shape, int threads) throws OrtException {
        this(shape, threads, "Softmax", false, true);
    }

    /**
     * A session of {@code opType} in float, or double when {@code doubles}; {@code spinning} false
     * turns off the intra-op pool's spinning between calls (its workers then block at once), for
     * runs where other contenders take turns on the same cores.
     */
    public OnnxRuntimeSoftmax(BenchShape shape, int threads, String opType, boolean doubles, boolean spinning)
            throws OrtException {
        if (shape == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        int width = doubles ? Double.BYTES : Float.BYTES;
        if (shape.elements() > Integer.MAX_VALUE / width) {
            throw new IllegalArgumentException("shape " + shape + " has " + shape.elements()
                    + " elements; a direct buffer holds at most " + Integer.MAX_VALUE / width + " of them");
        }
        boolean reduce = opType.equals("ReduceLogSumExp");
        int n = (int) shape.elements();
        int m = reduce ? (int) shape.rows() : n;
        long[] dims = {shape.rows(), shape.cols()};
        this.input = ByteBuffer.allocateDirect(n * width).order(ByteOrder.nativeOrder());
        this.output = ByteBuffer.allocateDirect(m * width).order(ByteOrder.nativeOrder());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession s = null;
        OnnxTensor in = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            if (!spinning) {
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            s = env.createSession(OnnxSoftmaxModel.encode(opType, shape.rows(), shape.cols(), doubles), options);
            long[] outDims = reduce ? new long[] {shape.rows()} : dims;
            in = doubles ? OnnxTensor.createTensor(env, input.asDoubleBuffer(), dims)
                    : OnnxTensor.createTensor(env, input.asFloatBuffer(), dims);
            this.outputTensor = doubles ? OnnxTensor.createTensor(env, output.asDoubleBuffer(), outDims)
                    : OnnxTensor.createTensor(env, output.asFloatBuffer(), outDims);
        } catch (OrtException | RuntimeException e) {
            if (in != null) {
                in.close();
            }
            if (s != null) {
                s.close();
            }
            throw e;
        }
        this.session = s;
        this.inputTensor = in;
        this.inputs = Map.of(OnnxSoftmaxModel.INPUT, inputTensor);
        this.outputs = Map.of(OnnxSoftmaxModel.OUTPUT, outputTensor);
    }

    /** The input of a float session, row-major; writes are seen by the next {@link #run()}. */
    public FloatBuffer input() {
        return input.asFloatBuffer();
    }

    /** The output of a float session, row-major, filled by {@link #run()}. */
    public FloatBuffer output() {
        return output.asFloatBuffer();
    }

    /** The input's bytes (float or double, native order). */
    public ByteBuffer inputBytes() {
        return input;
    }

    /** The output of a double session. */
    public DoubleBuffer outputDoubles() {
        return output.asDoubleBuffer();
    }

    /** One op over the whole input into the output. */
    public void run() throws OrtException {
        // The result holds only the pinned output, which it does not own: closing it frees nothing of ours.
        session.run(inputs, outputs).close();
    }

    @Override
    public void close() throws OrtException {
        outputTensor.close();
        inputTensor.close();
        session.close();
    }
}
