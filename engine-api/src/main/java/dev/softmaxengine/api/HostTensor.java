package dev.softmaxengine.api;

/** What the host tensors share: a dtype and a shape over memory the CPU can address. */
abstract sealed class HostTensor implements Tensor permits ArrayTensor, SegmentTensor {
    final DType dtype;
    final Shape shape;

    HostTensor(DType dtype, Shape shape) {
        this.dtype = dtype;
        this.shape = shape;
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    @Override
    public final Shape shape() {
        return shape;
    }

    @Override
    public final boolean isHost() {
        return true;
    }
}
