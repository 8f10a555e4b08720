package dev.softmaxengine.api;

/**
 * Conversions between the 16-bit storage dtypes ({@link DType#BFLOAT16}, {@link DType#FLOAT16}) and
 * float32 / float64: widening is exact; narrowing rounds to nearest, ties to even, overflows to
 * infinity, and keeps NaN a NaN (bfloat16: the sign and the top payload bits, made quiet).
 */
public final class Half {
    private Half() {
    }

    /**
     * A bfloat16 value, exactly.
     *
     * @param bits the bfloat16 bits
     * @return the float whose top 16 bits are {@code bits}
     */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /**
     * {@code f} rounded to bfloat16, to nearest, ties to even.
     *
     * @param f any float
     * @return the bfloat16 bits; a NaN gives a quiet NaN of the same sign
     */
    public static short floatToBf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7fffffff) > 0x7f800000) {
            return (short) ((b >>> 16) | 0x0040);
        }
        return (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
    }

    /**
     * A 16-bit value of {@code dtype}, exactly.
     *
     * @param dtype BFLOAT16 or FLOAT16
     * @param bits the value's bits
     * @return the value as a float
     * @throws IllegalArgumentException when {@code dtype} is not a 16-bit dtype
     */
    public static float toFloat(DType dtype, short bits) {
        return switch (requireHalf(dtype)) {
            case BFLOAT16 -> bf16ToFloat(bits);
            default -> Float.float16ToFloat(bits);
        };
    }

    /**
     * {@code f} rounded to {@code dtype}, to nearest, ties to even.
     *
     * @param dtype BFLOAT16 or FLOAT16
     * @param f any float
     * @return the rounded value's bits
     * @throws IllegalArgumentException when {@code dtype} is not a 16-bit dtype
     */
    public static short fromFloat(DType dtype, float f) {
        return switch (requireHalf(dtype)) {
            case BFLOAT16 -> floatToBf16(f);
            default -> Float.floatToFloat16(f);
        };
    }

    /**
     * {@code v} rounded once to {@code dtype}, to nearest, ties to even. Rounding through a float
     * rounded to nearest could round twice (a value just past a half-way point lands on it); this
     * rounds through float to odd instead, which has 13 or 16 bits to spare and so rounds once.
     *
     * @param dtype BFLOAT16 or FLOAT16
     * @param v any double
     * @return the rounded value's bits
     * @throws IllegalArgumentException when {@code dtype} is not a 16-bit dtype
     */
    public static short fromDouble(DType dtype, double v) {
        return fromFloat(dtype, toFloatRoundedToOdd(v));
    }

    /** {@code v} rounded to float toward zero, with the last bit set when that was inexact. */
    static float toFloatRoundedToOdd(double v) {
        float f = (float) v;
        if (v != v || (double) f == v) {
            return f;
        }
        if (Math.abs((double) f) > Math.abs(v)) {
            f = Math.nextAfter(f, 0.0);
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(f) | 1);
    }

    private static DType requireHalf(DType dtype) {
        if (dtype == null || !dtype.isHalf()) {
            throw new IllegalArgumentException("dtype must be BFLOAT16 or FLOAT16, was " + dtype);
        }
        return dtype;
    }
}
