package dev.softmaxengine.bench.suite;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.bench.BenchShape;
import dev.softmaxengine.bench.OnnxRuntimeSoftmax;

import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * ONNX Runtime's CPU Softmax and LogSoftmax (the bench module's {@link OnnxRuntimeSoftmax},
 * float32, last axis), the outside anchor for the CPU backends. One session per shape and op,
 * bound to fixed buffers.
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

    @Override
    public boolean supports(Op op, DType dtype) {
        return (op == Op.SOFTMAX || op == Op.LOG_SOFTMAX) && dtype == DType.FLOAT32;
    }

    @Override
    public Prepared prepare(BenchShape shape, DType dtype, MemorySegment input) {
        if (dtype != DType.FLOAT32) {
            throw new IllegalArgumentException("dtype must be float32 for " + NAME + ", was " + dtype);
        }
        // One session per op, made on first use: Softmax and LogSoftmax are separate graphs.
        Map<Op, OnnxRuntimeSoftmax> sessions = new EnumMap<>(Op.class);
        return new Prepared() {
            private OnnxRuntimeSoftmax session(Op op) {
                if (!supports(op, dtype)) {
                    throw new IllegalArgumentException("op must be softmax or log-softmax for " + NAME + ", was "
                            + op.cliName());
                }
                return sessions.computeIfAbsent(op, o -> {
                    try {
                        // Not spinning: the suite samples contenders in turn, and ONNX Runtime's pool
                        // spins long enough after a call to take the cores of the next contender
                        // (measured: the others' times doubled). Its 2-thread batches still scale 1.9x.
                        OnnxRuntimeSoftmax ort = new OnnxRuntimeSoftmax(shape, threads, o == Op.LOG_SOFTMAX, false);
                        MemorySegment.copy(input, 0, MemorySegment.ofBuffer(ort.input()), 0,
                                shape.elements() * Float.BYTES);
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
                RowCheck.check(label(), op, dtype, shape.cols(), input, i -> ort.output().get((int) i), SANITY);
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
