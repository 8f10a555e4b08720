package dev.softmaxengine.api;

/** Element types the engine computes in. */
public enum DType {
    FLOAT32(Float.BYTES),
    FLOAT64(Double.BYTES);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }
}
