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

    @Override
    public boolean supports(Op op, DType dtype) {
        return op != Op.ARGMAX;
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
    public Prepared prepare(BenchShape shape, DType dtype, MemorySegment input) {
        DeviceBuffer in = kernel.allocate(dtype, shape.elements());
        try {
            DeviceBuffer out = kernel.allocate(dtype, shape.elements());
            try {
                return new Operands(shape, dtype, input, in, out);
            } catch (RuntimeException e) {
                out.close();
                throw e;
            }
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
        private final DeviceBuffer outBuffer;
        private final Tensor in;
        private final Map<Op, OpRequest> requests = new EnumMap<>(Op.class);

        Operands(BenchShape shape, DType dtype, MemorySegment input, DeviceBuffer inBuffer, DeviceBuffer outBuffer) {
            this.shape = shape;
            this.dtype = dtype;
            this.input = input;
            this.hostInput = Tensor.of(input, dtype, shape.rows(), shape.cols());
            this.inBuffer = inBuffer;
            this.outBuffer = outBuffer;
            this.in = Tensor.of(inBuffer, shape.rows(), shape.cols());
            inBuffer.write(hostInput);
        }

        @Override
        public OptionalDouble run(Op op) {
            return KernelBackend.of(kernel).executeTimed(requests.computeIfAbsent(op, o -> request(o, in, o.isReducing()
                    ? Tensor.of(outBuffer, shape.rows())
                    : Tensor.of(outBuffer, shape.rows(), shape.cols()))));
        }

        @Override
        public void check(Op op) {
            long n = RowCheck.outputs(op, shape.cols());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment row = arena.allocate(n * dtype.byteSize(), 64);
                Tensor host = Tensor.of(row, dtype, n);
                outBuffer.read(host);
                RowCheck.check(label, op, dtype, shape.cols(), input, host::get, kernel.tolerance(op, dtype));
            }
        }

        @Override
        public List<TransferResult> transfers(Timing timing) {
            if (onHost) {
                return List.of();
            }
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
            outBuffer.close();
            inBuffer.close();
        }
    }
}
