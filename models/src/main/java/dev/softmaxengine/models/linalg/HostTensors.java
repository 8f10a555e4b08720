package dev.softmaxengine.models.linalg;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Tensor;

import java.lang.foreign.MemorySegment;

/** Tensor views of the leading part of a Java array, so that reused batch buffers need no copies. */
public final class HostTensors {
    private HostTensors() {
    }

    /**
     * The first {@code rows * cols} elements of {@code data} as a row-major {@code [rows, cols]} tensor.
     *
     * @param data the backing array, at least {@code rows * cols} long; shared, not copied
     * @param rows rows, at least 0
     * @param cols columns, at least 0
     * @return a float64 tensor view of {@code data}
     */
    public static Tensor matrix(double[] data, int rows, int cols) {
        long size = (long) rows * cols;
        if (data.length == size) {
            return Tensor.of(data, rows, cols);
        }
        if (data.length < size) {
            throw new IllegalArgumentException("data has " + data.length + " elements, [" + rows + ", " + cols
                    + "] needs " + size);
        }
        // A heap segment view: any host backend reads it in place; the array stays the owner.
        return Tensor.of(MemorySegment.ofArray(data), DType.FLOAT64, rows, cols);
    }

    /**
     * The first {@code n} elements of {@code data} as a rank-1 tensor.
     *
     * @param data the backing array, at least {@code n} long; shared, not copied
     * @param n elements, at least 0
     * @return a float64 tensor view of {@code data}
     */
    public static Tensor vector(double[] data, int n) {
        if (data.length == n) {
            return Tensor.vector(data);
        }
        if (data.length < n) {
            throw new IllegalArgumentException("data has " + data.length + " elements, needs " + n);
        }
        return Tensor.of(MemorySegment.ofArray(data), DType.FLOAT64, n);
    }

    /**
     * The first {@code rows * cols} elements of {@code data} as a row-major {@code [rows, cols]} tensor.
     *
     * @param data the backing array, at least {@code rows * cols} long; shared, not copied
     * @param rows rows, at least 0
     * @param cols columns, at least 0
     * @return a float32 tensor view of {@code data}
     */
    public static Tensor matrix(float[] data, int rows, int cols) {
        long size = (long) rows * cols;
        if (data.length == size) {
            return Tensor.of(data, rows, cols);
        }
        if (data.length < size) {
            throw new IllegalArgumentException("data has " + data.length + " elements, [" + rows + ", " + cols
                    + "] needs " + size);
        }
        return Tensor.of(MemorySegment.ofArray(data), DType.FLOAT32, rows, cols);
    }

    /**
     * The first {@code n} elements of {@code data} as a rank-1 tensor.
     *
     * @param data the backing array, at least {@code n} long; shared, not copied
     * @param n elements, at least 0
     * @return a float32 tensor view of {@code data}
     */
    public static Tensor vector(float[] data, int n) {
        if (data.length == n) {
            return Tensor.of(data, n);
        }
        if (data.length < n) {
            throw new IllegalArgumentException("data has " + data.length + " elements, needs " + n);
        }
        return Tensor.of(MemorySegment.ofArray(data), DType.FLOAT32, n);
    }
}
