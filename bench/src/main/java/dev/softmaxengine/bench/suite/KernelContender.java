package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.spi.StagedKernel;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.bench.BenchShape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * An engine kernel over operands in its own memory ({@link SoftmaxKernel#allocate}): host memory for
 * the CPU backends, device memory for the GPU ones, so compute is timed without transfers, by
 * device events where {@link SoftmaxKernel#executeTimed} has them. Owns and closes the kernel.
 */
final class KernelContender implements Contender {
    private final SoftmaxKernel kernel;
    private final int threads;
    private final String label;
    private final boolean onHost;

    /**
     * @param threads the kernel's CPU threads; 0 for a device backend
     * @param label how reports name it
     */
    KernelContender(SoftmaxKernel kernel, int threads, String label) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, was " + threads);
        }
        this.kernel = kernel;
        this.threads = threads;
        this.label = label;
        try (DeviceBuffer probe = kernel.allocate(DType.FLOAT32, 1)) {
            this.onHost = probe.hostSegment().isPresent();
        }
    }

    /** The request of {@code op} from {@code in} into {@code out}, along the last axis; {@code out} drops it for logsumexp. */
    static OpRequest request(Op op, Tensor in, Tensor out) {
        if (op == Op.ARGMAX) {
            throw new IllegalArgumentException("op must write a float tensor; argmax writes int indices");
        }
        return OpRequest.of(op, in, out);
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String backend() {
        return kernel.backend();
    }

    @Override
    public String device() {
        return kernel.device();
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public boolean onHost() {
        return onHost;
    }

    /** Every op but argmax, in every dtype. */
    @Override
    public boolean supports(Op op, DType dtype) {
        return op != Op.ARGMAX;
    }

    static boolean isSelection(Op op) {
        return op == Op.TOP_K || op == Op.SAMPLE;
    }

    /** Through {@link StagedKernel#copyTimed}, fp32 buffers of {@code bytes} each. */
    @Override
    public Optional<Ceiling> deviceCopy(long bytes, Timing timing) {
        if (onHost || !(kernel instanceof StagedKernel<?> staged)) {
            return Optional.empty();
        }
        long elements = bytes / DType.FLOAT32.byteSize();
        try (DeviceBuffer src = kernel.allocate(DType.FLOAT32, elements);
             DeviceBuffer dst = kernel.allocate(DType.FLOAT32, elements)) {
            Samples samples = TimingLoop.measure(() -> OptionalDouble.of(staged.copyTimed(src, dst)), timing);
            return Optional.of(Ceiling.of(Ceiling.deviceId(label), "device copy, " + label, device(), 0,
                    2 * elements * DType.FLOAT32.byteSize(), samples, "suite"));
        }
    }

    @Override
    public Prepared prepare(BenchShape shape, DType dtype, MemorySegment input, SelectionParams selection) {
        DeviceBuffer in = kernel.allocate(dtype, shape.elements());
        try {
            return new Operands(shape, dtype, input, in, selection);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public void close() {
        kernel.close();
    }

    private final class Operands implements Prepared {
        private final BenchShape shape;
        private final DType dtype;
        private final MemorySegment input;
        private final Tensor hostInput;
        private final DeviceBuffer inBuffer;
        private final SelectionParams selection;
        private final Tensor in;
        private final Map<Op, OpRequest> requests = new EnumMap<>(Op.class);
        /** Made on an op's first call, sized for it: top-k and sample write far less than a softmax. */
        private DeviceBuffer outBuffer;
        private DeviceBuffer indexBuffer;

        Operands(BenchShape shape, DType dtype, MemorySegment input, DeviceBuffer inBuffer, SelectionParams selection) {
            this.shape = shape;
            this.dtype = dtype;
            this.input = input;
            this.hostInput = Tensor.of(input, dtype, shape.rows(), shape.cols());
            this.inBuffer = inBuffer;
            this.selection = selection;
            this.in = Tensor.of(inBuffer, shape.rows(), shape.cols());
            inBuffer.write(hostInput);
        }

        @Override
        public OptionalDouble run(Op op) {
            return KernelBackend.of(kernel).executeTimed(requests.computeIfAbsent(op, this::newRequest));
        }

        private OpRequest newRequest(Op op) {
            long rows = shape.rows();
            int k = selection.k();
            return switch (op) {
                case TOP_K -> OpRequest.topK(in, Tensor.of(out(rows * k), rows, k), Tensor.of(indices(rows * k), rows, k),
                        k, -1);
                case SAMPLE -> OpRequest.sample(in, Tensor.of(indices(rows), rows), null, selection.sampling());
                default -> request(op, in, op.isReducing() ? Tensor.of(out(rows), rows)
                        : Tensor.of(out(shape.elements()), rows, shape.cols()));
            };
        }

        /** The output buffer, grown (reallocated) to hold {@code elements}. */
        private DeviceBuffer out(long elements) {
            if (outBuffer == null || outBuffer.elements() < elements) {
                requests.keySet().removeIf(o -> o != Op.SAMPLE);
                if (outBuffer != null) {
                    outBuffer.close();
                    outBuffer = null;
                }
                outBuffer = kernel.allocate(dtype, elements);
            }
            return outBuffer;
        }

        private DeviceBuffer indices(long elements) {
            if (indexBuffer == null || indexBuffer.elements() < elements) {
                requests.keySet().removeIf(KernelContender::isSelection);
                if (indexBuffer != null) {
                    indexBuffer.close();
                    indexBuffer = null;
                }
                indexBuffer = kernel.allocate(DType.INT32, elements);
            }
            return indexBuffer;
        }

        @Override
        public void check(Op op) {
            try (Arena arena = Arena.ofConfined()) {
                if (op == Op.SAMPLE) {
                    Tensor drawn = Tensor.of(arena.allocate(Integer.BYTES, 64), DType.INT32, 1);
                    indexBuffer.read(drawn);
                    RowCheck.checkSample(label, dtype, shape.cols(), input, selection.sampling(), (int) drawn.get(0));
                    return;
                }
                if (op == Op.TOP_K) {
                    int k = selection.k();
                    Tensor values = Tensor.of(arena.allocate((long) k * dtype.byteSize(), 64), dtype, k);
                    Tensor idx = Tensor.of(arena.allocate((long) k * Integer.BYTES, 64), DType.INT32, k);
                    outBuffer.read(values);
                    indexBuffer.read(idx);
                    RowCheck.checkTopK(label, dtype, shape.cols(), input, k, values::get, idx::get);
                    return;
                }
                long n = RowCheck.outputs(op, shape.cols());
                Tensor host = Tensor.of(arena.allocate(n * dtype.byteSize(), 64), dtype, n);
                outBuffer.read(host);
                RowCheck.check(label, op, dtype, shape.cols(), input, host::get, kernel.tolerance(op, dtype));
            }
        }

        @Override
        public List<TransferResult> transfers(Timing timing) {
            if (onHost) {
                return List.of();
            }
            DeviceBuffer outBuffer = out(shape.elements());
            long bytes = shape.elements() * dtype.byteSize();
            try (Arena arena = Arena.ofConfined()) {
                Tensor hostOutput = Tensor.of(arena.allocate(bytes, 64), dtype, shape.rows(), shape.cols());
                Samples up = TimingLoop.measure(() -> {
                    inBuffer.write(hostInput);
                    return OptionalDouble.empty();
                }, timing);
                Samples down = TimingLoop.measure(() -> {
                    outBuffer.read(hostOutput);
                    return OptionalDouble.empty();
                }, timing);
                String d = SweepPlan.dtypeName(dtype);
                return List.of(
                        TransferResult.of(label, backend(), device(), TransferResult.HOST_TO_DEVICE, d, shape.rows(),
                                shape.cols(), bytes, up),
                        TransferResult.of(label, backend(), device(), TransferResult.DEVICE_TO_HOST, d, shape.rows(),
                                shape.cols(), bytes, down));
            }
        }

        @Override
        public void close() {
            if (indexBuffer != null) {
                indexBuffer.close();
            }
            if (outBuffer != null) {
                outBuffer.close();
            }
            inBuffer.close();
        }
    }
}
