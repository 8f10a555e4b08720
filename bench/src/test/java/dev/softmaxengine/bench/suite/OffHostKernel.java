package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.DeviceTensor;
import dev.softmaxengine.api.spi.HostBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;

import java.util.OptionalDouble;

/**
 * A kernel whose buffers are not host memory, so that the suite takes its device path (event
 * times, transfers, no CPU ceiling) on a machine without a GPU. It computes with the scalar oracle
 * on memory it keeps to itself and reports each call's host time as its "device" time.
 */
class OffHostKernel implements KernelBackend {
    static final String NAME = "offhost";
    private final ScalarSoftmaxKernel scalar = new ScalarSoftmaxKernel();

    /** Memory only this kernel reads: Tensor.of makes DEVICE tensors of it. */
    private static final class Buffer implements DeviceBuffer {
        private final HostBuffer memory;

        Buffer(DType dtype, long elements) {
            this.memory = new HostBuffer(NAME, dtype, elements);
        }

        @Override
        public String backend() {
            return NAME;
        }

        @Override
        public DType dtype() {
            return memory.dtype();
        }

        @Override
        public long elements() {
            return memory.elements();
        }

        @Override
        public void write(Tensor src) {
            memory.write(src);
        }

        @Override
        public void read(Tensor dst) {
            memory.read(dst);
        }

        @Override
        public void close() {
            memory.close();
        }
    }

    @Override
    public String backend() {
        return NAME;
    }

    @Override
    public String device() {
        return "test double: the scalar kernel behind non-host buffers";
    }

    @Override
    public Tolerance tolerance(Op op, DType dtype) {
        return scalar.tolerance(op, dtype);
    }

    @Override
    public void execute(OpRequest r) {
        scalar.execute(KernelContender.request(r.op(), host(r.in()), host(r.out())));
    }

    @Override
    public OptionalDouble executeTimed(OpRequest request) {
        long start = System.nanoTime();
        execute(request);
        return OptionalDouble.of((System.nanoTime() - start) / 1e6);
    }

    private static Tensor host(Tensor t) {
        return Tensor.of(((Buffer) ((DeviceTensor) t).buffer()).memory, t.shape().dims());
    }

    @Override
    public void close() {
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        return new Buffer(dtype, elements);
    }
}
