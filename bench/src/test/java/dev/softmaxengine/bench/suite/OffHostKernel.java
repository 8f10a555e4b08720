package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.spi.StagedKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A device backend on the GPU backends' base ({@link StagedKernel}) whose "device memory" is
 * off-heap memory only it reads, so that the suite takes its device path (event times, transfers,
 * the device copy ceiling) on a machine without a GPU. It computes with the scalar oracle and
 * reports each launch's and each copy's host time as its "device" time.
 */
class OffHostKernel extends StagedKernel<MemorySegment> {
    static final String NAME = "offhost";
    private final ScalarSoftmaxKernel scalar = new ScalarSoftmaxKernel();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] scratch = new MemorySegment[3];

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
    protected MemorySegment allocateDevice(long bytes) {
        return arena.allocate(bytes, 64);
    }

    @Override
    protected void freeDevice(MemorySegment handle) {
        // Freed with the arena.
    }

    @Override
    protected void copy(MemorySegment handle, Tensor host, boolean toDevice) {
        MemorySegment h = host.asHostSegment();
        long bytes = host.size() * host.dtype().byteSize();
        if (toDevice) {
            MemorySegment.copy(h, 0, handle, 0, bytes);
        } else {
            MemorySegment.copy(handle, 0, h, 0, bytes);
        }
    }

    @Override
    protected MemorySegment scratch(boolean input, long bytes) {
        return scratch(input ? 0 : 1, bytes);
    }

    @Override
    protected MemorySegment secondScratch(long bytes) {
        return scratch(2, bytes);
    }

    private MemorySegment scratch(int i, long bytes) {
        if (scratch[i] == null || scratch[i].byteSize() < bytes) {
            scratch[i] = arena.allocate(bytes, 64);
        }
        return scratch[i];
    }

    @Override
    protected OptionalDouble launch(OpRequest r, MemorySegment in, MemorySegment out, MemorySegment second,
            boolean timed) {
        long start = System.nanoTime();
        scalar.execute(onDevice(r, in, out, second));
        return timed ? OptionalDouble.of((System.nanoTime() - start) / 1e6) : OptionalDouble.empty();
    }

    /** {@code r} over the "device" memory, with its own parameters. */
    private static OpRequest onDevice(OpRequest r, MemorySegment in, MemorySegment out, MemorySegment second) {
        Tensor x = view(in, r.in());
        Tensor y = view(out, r.out());
        return switch (r.op()) {
            case TOP_K -> OpRequest.topK(x, y, view(second, r.secondOut().orElseThrow()), r.k(), r.axis());
            case SAMPLE -> OpRequest.sample(x, y, second == null ? null : view(second, r.secondOut().orElseThrow()),
                    r.sampling());
            default -> OpRequest.of(r.op(), x, y, r.axis(), r.temperature(), r.keepdims());
        };
    }

    @Override
    protected double copyDevice(MemorySegment src, MemorySegment dst, long bytes) {
        long start = System.nanoTime();
        MemorySegment.copy(src, 0, dst, 0, bytes);
        return (System.nanoTime() - start) / 1e6;
    }

    @Override
    protected void finish() {
    }

    @Override
    protected void releaseDevice(List<RuntimeException> failures) {
        arena.close();
    }

    /** {@code t}'s shape over the start of {@code memory}. */
    private static Tensor view(MemorySegment memory, Tensor t) {
        return Tensor.of(memory.asSlice(0, t.size() * t.dtype().byteSize()), t.dtype(), t.shape().dims());
    }
}
