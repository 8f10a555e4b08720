package dev.softmaxengine.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An ONNX Runtime session of {@link OnnxSoftmaxModel} bound to fixed input and output buffers, so
 * that {@link #run()} is the operator alone: no tensor is created or copied per call. The input
 * tensor wraps a direct buffer (ORT reads it in place) and the output is pinned into another, as
 * the engine's kernels write into a caller's buffer.
 */
public final class OnnxRuntimeSoftmax implements AutoCloseable {
    private final FloatBuffer input;
    private final FloatBuffer output;
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
        this(shape, threads, false, true);
    }

    /**
     * A Softmax session, or a LogSoftmax one when {@code log}; {@code spinning} false turns off the
     * intra-op pool's spinning between calls (its workers then block at once), for runs where other
     * contenders take turns on the same cores.
     */
    public OnnxRuntimeSoftmax(BenchShape shape, int threads, boolean log, boolean spinning) throws OrtException {
        if (shape == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        if (shape.elements() > Integer.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException("shape " + shape + " has " + shape.elements()
                    + " elements; a direct buffer holds at most " + Integer.MAX_VALUE / Float.BYTES + " floats");
        }
        int n = (int) shape.elements();
        long[] dims = {shape.rows(), shape.cols()};
        this.input = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.output = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession s = null;
        OnnxTensor in = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            if (!spinning) {
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            s = env.createSession(OnnxSoftmaxModel.encode(log ? "LogSoftmax" : "Softmax", shape.rows(), shape.cols()),
                    options);
            in = OnnxTensor.createTensor(env, input, dims);
            this.outputTensor = OnnxTensor.createTensor(env, output, dims);
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

    /** The input, row-major; writes are seen by the next {@link #run()}. */
    public FloatBuffer input() {
        return input;
    }

    /** The output, row-major, filled by {@link #run()}. */
    public FloatBuffer output() {
        return output;
    }

    /** One Softmax (or LogSoftmax) over the whole input into {@link #output()}. */
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
