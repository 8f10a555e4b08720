package dev.softmaxengine.bench.suite;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.bench.BenchShape;
import dev.softmaxengine.bench.OnnxRuntimeSoftmax;
import dev.softmaxengine.bench.OnnxRuntimeTopK;

import java.lang.foreign.MemorySegment;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * ONNX Runtime's CPU operators for every op it has (Softmax, LogSoftmax, ReduceLogSumExp, Sigmoid,
 * Hardmax, through the bench module's {@link OnnxRuntimeSoftmax}, and TopK through
 * {@link OnnxRuntimeTopK}, last axis), in float32 and, except Hardmax (ORT's CPU provider registers
 * it for float only), float64: the outside anchor for the CPU backends. One session per shape and
 * op, bound to fixed buffers. Log-sigmoid and sampling have no ONNX operator.
 */
final class OnnxRuntimeContender implements Contender {
    public static final String NAME = "onnxruntime";
    /** A sanity bound for the row check, not a parity claim: MLAS's exp is a few ulp in float32. */
    private static final Tolerance SANITY = new Tolerance(1e-4, 1e-7);

    private final int threads;
    private final String device;

    /** @param threads ONNX Runtime's intra-op threads (the caller's counts as one) */
    OnnxRuntimeContender(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
        this.device = "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + " CPU, " + threads
                + " intra-op " + (threads == 1 ? "thread" : "threads");
    }

    /** Why ONNX Runtime cannot run here (its native library would not load), or null; its jar must be present. */
    static String unusable() {
        try {
            OrtEnvironment.getEnvironment();
            return null;
        } catch (RuntimeException | LinkageError e) {
            return "ONNX Runtime did not load: " + e;
        }
    }

    @Override
    public String label() {
        return NAME + " x" + threads;
    }

    @Override
    public String backend() {
        return NAME;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public boolean onHost() {
        return true;
    }

    /** The ONNX operator of {@code op}, or null where ONNX has none. */
    static String opType(Op op) {
        return switch (op) {
            case TOP_K -> "TopK";
            case SOFTMAX -> "Softmax";
            case LOG_SOFTMAX -> "LogSoftmax";
            case LOGSUMEXP -> "ReduceLogSumExp";
            case SIGMOID -> "Sigmoid";
            case HARDMAX -> "Hardmax";
            case LOG_SIGMOID, ARGMAX, SAMPLE -> null;
        };
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return opType(op) != null && (dtype == DType.FLOAT32 || (dtype == DType.FLOAT64 && op != Op.HARDMAX));
    }

    /** One op's session: its call and its row check. */
    private interface Session {
        void run() throws OrtException;

        void check(MemorySegment input);

        void close() throws OrtException;
    }

    @Override
    public Prepared prepare(BenchShape shape, DType dtype, MemorySegment input, SelectionParams selection) {
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("dtype must be float32 or float64 for " + NAME + ", was " + dtype);
        }
        long bytes = shape.elements() * dtype.byteSize();
        // One session per op, made on first use: each op is a graph of its own.
        Map<Op, Session> sessions = new EnumMap<>(Op.class);
        return new Prepared() {
            private Session session(Op op) {
                if (!supports(op, dtype)) {
                    throw new IllegalArgumentException(NAME + " has no " + op.cliName() + " in "
                            + SweepPlan.dtypeName(dtype));
                }
                return sessions.computeIfAbsent(op, o -> {
                    try {
                        // Not spinning: the suite samples contenders in turn, and ONNX Runtime's pool
                        // spins long enough after a call to take the cores of the next contender
                        // (measured: the others' times doubled). Its 2-thread batches still scale 1.9x.
                        return o == Op.TOP_K ? topK(shape, dtype, input, selection.k(), bytes)
                                : elementwise(o, shape, dtype, input, bytes);
                    } catch (OrtException e) {
                        throw new IllegalStateException(NAME + ": cannot create a " + o.cliName() + " session for "
                                + shape + ": " + e.getMessage(), e);
                    }
                });
            }

            @Override
            public OptionalDouble run(Op op) {
                Session session = session(op);
                try {
                    session.run();
                } catch (OrtException e) {
                    throw new IllegalStateException(NAME + ": " + op.cliName() + " on " + shape + " failed: "
                            + e.getMessage(), e);
                }
                return OptionalDouble.empty();
            }

            @Override
            public void check(Op op) {
                session(op).check(input);
            }

            @Override
            public List<TransferResult> transfers(Timing timing) {
                return List.of();
            }

            @Override
            public void close() {
                IllegalStateException failure = null;
                for (Session ort : sessions.values()) {
                    try {
                        ort.close();
                    } catch (OrtException e) {
                        if (failure == null) {
                            failure = new IllegalStateException(NAME + ": closing a session failed: " + e.getMessage(), e);
                        }
                    }
                }
                sessions.clear();
                if (failure != null) {
                    throw failure;
                }
            }
        };
    }

    private Session elementwise(Op op, BenchShape shape, DType dtype, MemorySegment input, long bytes)
            throws OrtException {
        boolean doubles = dtype == DType.FLOAT64;
        OnnxRuntimeSoftmax ort = new OnnxRuntimeSoftmax(shape, threads, opType(op), doubles, false);
        MemorySegment.copy(input, 0, MemorySegment.ofBuffer(ort.inputBytes()), 0, bytes);
        return new Session() {
            @Override
            public void run() throws OrtException {
                ort.run();
            }

            @Override
            public void check(MemorySegment in) {
                if (doubles) {
                    DoubleBuffer out = ort.outputDoubles();
                    RowCheck.check(label(), op, dtype, shape.cols(), in, i -> out.get((int) i), SANITY);
                } else {
                    FloatBuffer out = ort.output();
                    RowCheck.check(label(), op, dtype, shape.cols(), in, i -> out.get((int) i), SANITY);
                }
            }

            @Override
            public void close() throws OrtException {
                ort.close();
            }
        };
    }

    private Session topK(BenchShape shape, DType dtype, MemorySegment input, int k, long bytes) throws OrtException {
        boolean doubles = dtype == DType.FLOAT64;
        OnnxRuntimeTopK ort = new OnnxRuntimeTopK(shape, k, threads, doubles, false);
        MemorySegment.copy(input, 0, MemorySegment.ofBuffer(ort.inputBytes()), 0, bytes);
        return new Session() {
            @Override
            public void run() throws OrtException {
                ort.run();
            }

            @Override
            public void check(MemorySegment in) {
                LongBuffer indices = ort.indices();
                if (doubles) {
                    DoubleBuffer values = ort.valueBytes().asDoubleBuffer();
                    RowCheck.checkTopK(label(), dtype, shape.cols(), in, k, j -> values.get((int) j),
                            j -> indices.get((int) j));
                } else {
                    FloatBuffer values = ort.valueBytes().asFloatBuffer();
                    RowCheck.checkTopK(label(), dtype, shape.cols(), in, k, j -> values.get((int) j),
                            j -> indices.get((int) j));
                }
            }

            @Override
            public void close() throws OrtException {
                ort.close();
            }
        };
    }

    @Override
    public void close() {
        // Sessions belong to each Prepared; the environment is ONNX Runtime's process-wide singleton.
    }
}
