package dev.softmaxengine.api;

/**
 * Element types. The engine computes in {@link #FLOAT32} and {@link #FLOAT64}; {@link #INT32} holds
 * the indices argmax writes.
 */
public enum DType {
    /** IEEE 754 binary32. */
    FLOAT32(Float.BYTES),
    /** IEEE 754 binary64. */
    FLOAT64(Double.BYTES),
    /** Signed 32-bit integers: argmax's output. Not an input dtype of any op. */
    INT32(Integer.BYTES);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /**
     * Bytes per element.
     *
     * @return 4 for FLOAT32 and INT32, 8 for FLOAT64
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
     * True for the dtypes an op can read: {@link #FLOAT32} and {@link #FLOAT64}.
     *
     * @return true for FLOAT32 and FLOAT64, false for INT32
     */
    public boolean isFloating() {
        return this != INT32;
    }
}
