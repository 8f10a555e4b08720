package dev.softmaxengine.api;

/**
 * Memory of a backend that is not host memory (as a GPU's would be), for tests that need a
 * {@link DeviceTensor} without a GPU. It keeps its elements in a Java array that
 * only {@link #write} and {@link #read} reach.
 */
final class RemoteBuffer implements DeviceBuffer {
    private final DType dtype;
    private final double[] elements;

    RemoteBuffer(DType dtype, int elements) {
        this.dtype = dtype;
        this.elements = new double[elements];
    }

    @Override
    public String backend() {
        return "remote";
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long elements() {
        return elements.length;
    }

    @Override
    public void write(Tensor src) {
        for (int i = 0; i < src.size(); i++) {
            elements[i] = src.get(i);
        }
    }

    @Override
    public void read(Tensor dst) {
        for (int i = 0; i < dst.size(); i++) {
            dst.set(i, elements[i]);
        }
    }

    @Override
    public void close() {
    }
}
