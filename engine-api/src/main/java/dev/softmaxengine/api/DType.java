package dev.softmaxengine.api;

/**
 * Element types. The engine computes in {@link #FLOAT32} and {@link #FLOAT64}; {@link #BFLOAT16} and
 * {@link #FLOAT16} are storage: ops read and write them and compute in float32 ({@link #computeType()});
 * {@link #INT32} holds the indices argmax writes.
 */
public enum DType {
    /** IEEE 754 binary32. */
    FLOAT32(Float.BYTES),
    /** IEEE 754 binary64. */
    FLOAT64(Double.BYTES),
    /** Signed 32-bit integers: argmax's output. Not an input dtype of any op. */
    INT32(Integer.BYTES),
    /**
     * bfloat16: the top 16 bits of a binary32 (8 exponent bits, 8 significant bits), held as the
     * bits in a {@code short}. Written with round-to-nearest-even; NaN stays NaN.
     */
    BFLOAT16(Short.BYTES),
    /**
     * IEEE 754 binary16 (5 exponent bits, 11 significant bits, largest finite 65504), held as the bits
     * in a {@code short} ({@link Float#float16ToFloat(short)}). Written with round-to-nearest-even.
     */
    FLOAT16(Short.BYTES);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /**
     * Bytes per element.
     *
     * @return 4 for FLOAT32 and INT32, 8 for FLOAT64, 2 for BFLOAT16 and FLOAT16
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * The dtypes ops compute in, {@link #FLOAT32} and {@link #FLOAT64}: what tests and sweeps iterate.
     *
     * @return a new array {@code {FLOAT32, FLOAT64}} on each call, so callers may modify it
     */
    public static DType[] floating() {
        return new DType[] {FLOAT32, FLOAT64};
    }

    /**
     * The 16-bit storage dtypes, {@link #BFLOAT16} and {@link #FLOAT16}: ops read and write them and
     * compute in float32.
     *
     * @return a new array {@code {BFLOAT16, FLOAT16}} on each call
     */
    public static DType[] halves() {
        return new DType[] {BFLOAT16, FLOAT16};
    }

    /**
     * True for the dtypes an op can read: every floating dtype.
     *
     * @return true for FLOAT32, FLOAT64, BFLOAT16 and FLOAT16, false for INT32
     */
    public boolean isFloating() {
        return this != INT32;
    }

    /**
     * True for the 16-bit storage dtypes.
     *
     * @return true for BFLOAT16 and FLOAT16
     */
    public boolean isHalf() {
        return this == BFLOAT16 || this == FLOAT16;
    }

    /**
     * The dtype an op on this dtype accumulates in: float32 for the 16-bit dtypes, else this one.
     *
     * @return FLOAT32 for BFLOAT16 and FLOAT16, otherwise {@code this}
     */
    public DType computeType() {
        return isHalf() ? FLOAT32 : this;
    }

    /**
     * The unit roundoff of a floating dtype: the largest relative error of rounding a value in its
     * normal range to the nearest, 2^-p for p significant bits.
     *
     * @return 2^-24 (FLOAT32), 2^-53 (FLOAT64), 2^-8 (BFLOAT16), 2^-11 (FLOAT16)
     * @throws IllegalStateException for INT32
     */
    public double unitRoundoff() {
        return switch (this) {
            case FLOAT32 -> 0x1p-24;
            case FLOAT64 -> 0x1p-53;
            case BFLOAT16 -> 0x1p-8;
            case FLOAT16 -> 0x1p-11;
            case INT32 -> throw new IllegalStateException("INT32 is not a floating dtype");
        };
    }

    /**
     * The smallest positive normal value of a floating dtype: below it a result is subnormal (or
     * flushed to 0 by kernels that flush).
     *
     * @return 2^-126 (FLOAT32, BFLOAT16), 2^-1022 (FLOAT64), 2^-14 (FLOAT16)
     * @throws IllegalStateException for INT32
     */
    public double minNormal() {
        return switch (this) {
            case FLOAT32, BFLOAT16 -> 0x1p-126;
            case FLOAT64 -> 0x1p-1022;
            case FLOAT16 -> 0x1p-14;
            case INT32 -> throw new IllegalStateException("INT32 is not a floating dtype");
        };
    }
}
