package dev.softmaxengine.bench.suite;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.bench.BenchShape;
import dev.softmaxengine.bench.OnnxRuntimeSoftmax;

import java.lang.foreign.MemorySegment;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * ONNX Runtime's CPU operators for every op it has (Softmax, LogSoftmax, ReduceLogSumExp, Sigmoid,
 * Hardmax, through the bench module's {@link OnnxRuntimeSoftmax}, last axis), in float32 and, except
 * Hardmax (ORT's CPU provider registers it for float only), float64: the outside anchor for the CPU
 * backends. One session per shape and op, bound to fixed buffers. Log-sigmoid has no ONNX operator.
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
            case SOFTMAX -> "Softmax";
            case LOG_SOFTMAX -> "LogSoftmax";
            case LOGSUMEXP -> "ReduceLogSumExp";
            case SIGMOID -> "Sigmoid";
            case HARDMAX -> "Hardmax";
            case LOG_SIGMOID, ARGMAX, TOP_K, SAMPLE -> null;
        };
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return opType(op) != null && (dtype == DType.FLOAT32 || (dtype == DType.FLOAT64 && op != Op.HARDMAX));
    }

    @Override
    public Prepared prepare(BenchShape shape, DType dtype, MemorySegment input) {
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("dtype must be float32 or float64 for " + NAME + ", was " + dtype);
        }
        boolean doubles = dtype == DType.FLOAT64;
        // One session per op, made on first use: each op is a graph of its own.
        Map<Op, OnnxRuntimeSoftmax> sessions = new EnumMap<>(Op.class);
        return new Prepared() {
            private OnnxRuntimeSoftmax session(Op op) {
                if (!supports(op, dtype)) {
                    throw new IllegalArgumentException(NAME + " has no " + op.cliName() + " in "
                            + SweepPlan.dtypeName(dtype));
                }
                return sessions.computeIfAbsent(op, o -> {
                    try {
                        // Not spinning: the suite samples contenders in turn, and ONNX Runtime's pool
                        // spins long enough after a call to take the cores of the next contender
                        // (measured: the others' times doubled). Its 2-thread batches still scale 1.9x.
                        OnnxRuntimeSoftmax ort = new OnnxRuntimeSoftmax(shape, threads, opType(o), doubles, false);
                        MemorySegment.copy(input, 0, MemorySegment.ofBuffer(ort.inputBytes()), 0,
                                shape.elements() * dtype.byteSize());
                        return ort;
                    } catch (OrtException e) {
                        throw new IllegalStateException(NAME + ": cannot create a " + o.cliName() + " session for "
                                + shape + ": " + e.getMessage(), e);
                    }
                });
            }

            @Override
            public OptionalDouble run(Op op) {
                OnnxRuntimeSoftmax ort = session(op);
                try {
                    ort.run();
                } catch (OrtException e) {
                    throw new IllegalStateException(NAME + ": " + op.cliName() + " on " + shape + " failed: "
                            + e.getMessage(), e);
                }
                return OptionalDouble.empty();
            }

            @Override
            public void check(Op op) {
                OnnxRuntimeSoftmax ort = session(op);
                if (doubles) {
                    DoubleBuffer out = ort.outputDoubles();
                    RowCheck.check(label(), op, dtype, shape.cols(), input, i -> out.get((int) i), SANITY);
                } else {
                    FloatBuffer out = ort.output();
                    RowCheck.check(label(), op, dtype, shape.cols(), input, i -> out.get((int) i), SANITY);
                }
            }

            @Override
            public List<TransferResult> transfers(Timing timing) {
                return List.of();
            }

            @Override
            public void close() {
                IllegalStateException failure = null;
                for (OnnxRuntimeSoftmax ort : sessions.values()) {
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

    @Override
    public void close() {
        // Sessions belong to each Prepared; the environment is ONNX Runtime's process-wide singleton.
    }
}
