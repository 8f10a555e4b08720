package dev.softmaxengine.api;

import java.util.Arrays;

/**
 * The dimensions of a row-major (C order) tensor. Immutable. Every dimension is {@code >= 0} and
 * the element count fits in a {@code long}; violations are rejected here, once, so kernels never
 * see them.
 */
public final class Shape {
    private final long[] dims;
    private final long size;

    private Shape(long[] dims) {
        this.dims = dims;
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException(
                        "shape dimension " + i + " must be >= 0, was " + dims[i] + " in " + Arrays.toString(dims));
            }
            try {
                n = Math.multiplyExact(n, dims[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than Long.MAX_VALUE elements");
            }
        }
        this.size = n;
    }

    /**
     * A shape of the given dimensions.
     *
     * @param dims the dimensions, outermost first; copied, so later changes to the array do not
     *     affect the shape; none at all gives a rank-0 (scalar) shape
     * @return the shape
     * @throws IllegalArgumentException when {@code dims} is null, a dimension is negative, or the
     *     element count overflows a {@code long}
     */
    public static Shape of(long... dims) {
        if (dims == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        return new Shape(dims.clone());
    }

    /**
     * A shape of the given {@code int} dimensions, as {@link #of(long...)}.
     *
     * @param dims the dimensions, outermost first; copied
     * @return the shape
     * @throws IllegalArgumentException when {@code dims} is null, a dimension is negative, or the
     *     element count overflows a {@code long}
     */
    public static Shape of(int... dims) {
        if (dims == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        return new Shape(Arrays.stream(dims).asLongStream().toArray());
    }

    /**
     * The number of dimensions (0 for a scalar).
     *
     * @return the number of dimensions, {@code >= 0}
     */
    public int rank() {
        return dims.length;
    }

    /**
     * The length of one axis.
     *
     * @param i the axis, in {@code [-rank, rank)}; negative counts from the end
     * @return the length of that axis, {@code >= 0}
     * @throws IllegalArgumentException when {@code i} is out of range
     */
    public long dim(int i) {
        return dims[normalizeAxis(i)];
    }

    /**
     * The dimensions.
     *
     * @return a new array of the dimensions, outermost first; changing it does not change the shape
     */
    public long[] dims() {
        return dims.clone();
    }

    /**
     * Number of elements (1 for a rank-0 shape).
     *
     * @return the product of the dimensions, {@code >= 0}; 0 when any dimension is 0
     */
    public long size() {
        return size;
    }

    /**
     * Maps a possibly negative axis (counting from the end, as in ONNX and torch) to {@code [0, rank)}.
     *
     * @param axis the axis, in {@code [-rank, rank)}
     * @return the axis in {@code [0, rank)}: {@code axis + rank} for a negative axis, else {@code axis}
     * @throws IllegalArgumentException naming {@code axis} when it is out of range
     */
    public int normalizeAxis(int axis) {
        int r = dims.length;
        if (axis < -r || axis >= r) {
            throw new IllegalArgumentException(
                    "axis must be in [" + (-r) + ", " + (r - 1) + "] for shape " + this + ", was " + axis);
        }
        return axis < 0 ? axis + r : axis;
    }

    /**
     * Product of the dimensions before {@code axis} (normalized).
     *
     * @param axis an axis already normalized to {@code [0, rank)}; not checked, and a negative value
     *     is not counted from the end
     * @return the number of slices before the axis; 1 for axis 0
     */
    public long outer(int axis) {
        long n = 1;
        for (int i = 0; i < axis; i++) {
            n *= dims[i];
        }
        return n;
    }

    /**
     * Product of the dimensions after {@code axis} (normalized): the stride of the axis.
     *
     * @param axis an axis already normalized to {@code [0, rank)}; not checked, and a negative value
     *     is not counted from the end
     * @return the number of elements between consecutive entries of the axis; 1 for the last axis
     */
    public long inner(int axis) {
        long n = 1;
        for (int i = axis + 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /**
     * The shape with {@code axis} (normalized) removed, or kept as 1 when {@code keepdims}.
     *
     * @param axis an axis already normalized to {@code [0, rank)}; not checked
     * @param keepdims whether the result keeps the axis, with length 1, rather than dropping it
     * @return a new shape of rank {@code rank()} when {@code keepdims}, else {@code rank() - 1}
     */
    public Shape reduce(int axis, boolean keepdims) {
        if (keepdims) {
            long[] d = dims.clone();
            d[axis] = 1;
            return new Shape(d);
        }
        long[] d = new long[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i != axis) {
                d[j++] = dims[i];
            }
        }
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
