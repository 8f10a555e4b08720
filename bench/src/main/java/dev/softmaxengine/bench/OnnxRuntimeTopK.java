package dev.softmaxengine.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Map;

/**
 * An ONNX Runtime session of {@link OnnxSoftmaxModel#encodeTopK} (float or double) bound to fixed
 * buffers, as {@link OnnxRuntimeSoftmax} is: the input and the one-element k tensor wrap direct
 * buffers, and the values and int64 indices are pinned into others, so {@link #run()} is the
 * operator alone.
 */
public final class OnnxRuntimeTopK implements AutoCloseable {
    private final ByteBuffer input;
    private final ByteBuffer values;
    private final ByteBuffer indices;
    private final OrtSession session;
    private final OnnxTensor inputTensor;
    private final OnnxTensor kTensor;
    private final OnnxTensor valuesTensor;
    private final OnnxTensor indicesTensor;
    private final Map<String, OnnxTensor> inputs;
    private final Map<String, OnnxTensor> outputs;

    /**
     * @param threads ONNX Runtime's intra-op threads (the caller's thread counts as one)
     * @param spinning false turns off the intra-op pool's spinning between calls, as in
     *     {@link OnnxRuntimeSoftmax#OnnxRuntimeSoftmax(BenchShape, int, String, boolean, boolean)}
     */
    public OnnxRuntimeTopK(BenchShape shape, int k, int threads, boolean doubles, boolean spinning)
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
        byte[] model = OnnxSoftmaxModel.encodeTopK(shape.rows(), shape.cols(), k, doubles);
        int n = (int) shape.elements();
        int m = Math.toIntExact(shape.rows() * k);
        this.input = ByteBuffer.allocateDirect(n * width).order(ByteOrder.nativeOrder());
        this.values = ByteBuffer.allocateDirect(m * width).order(ByteOrder.nativeOrder());
        this.indices = ByteBuffer.allocateDirect(m * Long.BYTES).order(ByteOrder.nativeOrder());
        LongBuffer kValue = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        kValue.put(0, k);
        long[] dims = {shape.rows(), shape.cols()};
        long[] outDims = {shape.rows(), k};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession s = null;
        OnnxTensor in = null;
        OnnxTensor kt = null;
        OnnxTensor vt = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            if (!spinning) {
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            s = env.createSession(model, options);
            in = doubles ? OnnxTensor.createTensor(env, input.asDoubleBuffer(), dims)
                    : OnnxTensor.createTensor(env, input.asFloatBuffer(), dims);
            kt = OnnxTensor.createTensor(env, kValue, new long[] {1});
            vt = doubles ? OnnxTensor.createTensor(env, values.asDoubleBuffer(), outDims)
                    : OnnxTensor.createTensor(env, values.asFloatBuffer(), outDims);
            this.indicesTensor = OnnxTensor.createTensor(env, indices.asLongBuffer(), outDims);
        } catch (OrtException | RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {vt, kt, in, s}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        }
        this.session = s;
        this.inputTensor = in;
        this.kTensor = kt;
        this.valuesTensor = vt;
        this.inputs = Map.of(OnnxSoftmaxModel.INPUT, inputTensor, OnnxSoftmaxModel.K, kTensor);
        this.outputs = Map.of(OnnxSoftmaxModel.OUTPUT, valuesTensor, OnnxSoftmaxModel.INDICES, indicesTensor);
    }

    /** The input's bytes (float or double, native order); writes are seen by the next {@link #run()}. */
    public ByteBuffer inputBytes() {
        return input;
    }

    /** The values, row-major ({@code rows x k}, float or double, native order), filled by {@link #run()}. */
    public ByteBuffer valueBytes() {
        return values;
    }

    /** The int64 indices, row-major ({@code rows x k}), filled by {@link #run()}. */
    public LongBuffer indices() {
        return indices.asLongBuffer();
    }

    /** One TopK over the whole input. */
    public void run() throws OrtException {
        // The result holds only the pinned outputs, which it does not own: closing it frees nothing of ours.
        session.run(inputs, outputs).close();
    }

    @Override
    public void close() throws OrtException {
        indicesTensor.close();
        valuesTensor.close();
        kTensor.close();
        inputTensor.close();
        session.close();
    }
}
