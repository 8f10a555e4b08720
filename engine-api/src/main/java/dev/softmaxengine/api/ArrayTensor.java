package dev.softmaxengine.api;

import java.lang.foreign.MemorySegment;

/**
 * A tensor over a Java array: {@code float[]} (FLOAT32), {@code double[]} (FLOAT64), {@code int[]}
 * (INT32) or {@code short[]} of bits (BFLOAT16, FLOAT16).
 */
public final class ArrayTensor extends HostTensor {
    private final Object array;

    ArrayTensor(DType dtype, Object array, int length, Shape shape) {
        super(dtype, checkLength(length, shape));
        this.array = array;
    }

    private static Shape checkLength(int length, Shape shape) {
        if (length != shape.size()) {
            throw new IllegalArgumentException("data has " + length + " elements, shape " + shape + " needs " + shape.size());
        }
        return shape;
    }

    @Override
    public ArrayTensor reshape(long... newShape) {
        Shape s = Checks.reshaped(shape, newShape);
        return new ArrayTensor(dtype, array, Math.toIntExact(s.size()), s);
    }

    @Override
    public MemorySegment asHostSegment() {
        return switch (array) {
            case float[] f -> MemorySegment.ofArray(f);
            case double[] d -> MemorySegment.ofArray(d);
            case int[] i -> MemorySegment.ofArray(i);
            case short[] h -> MemorySegment.ofArray(h);
            default -> throw new AssertionError(array.getClass());
        };
    }

    /**
     * The backing array of a FLOAT32 tensor.
     *
     * @return the live backing array, not a copy: writes to it change the tensor
     * @throws IllegalStateException when this tensor is not FLOAT32
     */
    public float[] floats() {
        if (array instanceof float[] f) {
            return f;
        }
        throw new IllegalStateException("tensor is " + dtype + ", not FLOAT32");
    }

    /**
     * The backing array of a FLOAT64 tensor.
     *
     * @return the live backing array, not a copy: writes to it change the tensor
     * @throws IllegalStateException when this tensor is not FLOAT64
     */
    public double[] doubles() {
        if (array instanceof double[] d) {
            return d;
        }
        throw new IllegalStateException("tensor is " + dtype + ", not FLOAT64");
    }

    /**
     * The backing array of an INT32 tensor.
     *
     * @return the live backing array, not a copy: writes to it change the tensor
     * @throws IllegalStateException when this tensor is not INT32
     */
    public int[] ints() {
        if (array instanceof int[] i) {
            return i;
        }
        throw new IllegalStateException("tensor is " + dtype + ", not INT32");
    }

    /**
     * The backing bits of a BFLOAT16 or FLOAT16 tensor.
     *
     * @return the live backing array, not a copy: writes to it change the tensor
     * @throws IllegalStateException when this tensor is not BFLOAT16 or FLOAT16
     */
    public short[] shorts() {
        if (array instanceof short[] h) {
            return h;
        }
        throw new IllegalStateException("tensor is " + dtype + ", not BFLOAT16 or FLOAT16");
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + shape + " array]";
    }
}
