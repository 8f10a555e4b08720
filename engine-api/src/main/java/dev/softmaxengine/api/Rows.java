package dev.softmaxengine.api;

/** Argument checks and reshaping for {@link SoftmaxKernel}'s array calls. */
final class Rows {
    private Rows() {
    }

    /** {@code x}'s length, checked to be a whole number of rows of {@code cols >= 1} elements. */
    static int count(Object x, int cols) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        if (cols < 1) {
            throw new IllegalArgumentException("cols must be >= 1, was " + cols);
        }
        int length = java.lang.reflect.Array.getLength(x);
        if (length % cols != 0) {
            throw new IllegalArgumentException("x has " + length + " elements, not a multiple of cols = " + cols);
        }
        return length;
    }

    static long[] shape(int length, int cols) {
        return new long[] {length / cols, cols};
    }

    static double[] widen(float[] x, int cols) {
        double[] d = new double[count(x, cols)];
        for (int i = 0; i < d.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** The common length of {@code rows}, checked (at least one column). */
    static int width(float[][] rows) {
        if (rows == null) {
            throw new IllegalArgumentException("rows must not be null");
        }
        if (rows.length == 0) {
            return 1;
        }
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) {
                throw new IllegalArgumentException("rows[" + r + "] must not be null");
            }
            if (rows[r].length != rows[0].length) {
                throw new IllegalArgumentException("rows[" + r + "] has " + rows[r].length + " elements, rows[0] has "
                        + rows[0].length + "; all rows must have the same length");
            }
        }
        if (rows[0].length == 0) {
            throw new IllegalArgumentException("rows have 0 elements; softmax needs at least 1 column");
        }
        return rows[0].length;
    }

    static float[] join(float[][] rows) {
        int width = width(rows);
        float[] x = new float[Math.multiplyExact(rows.length, width)];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, x, r * width, width);
        }
        return x;
    }

    static float[][] split(float[] x, int rows) {
        float[][] out = new float[rows][];
        int width = rows == 0 ? 0 : x.length / rows;
        for (int r = 0; r < rows; r++) {
            out[r] = java.util.Arrays.copyOfRange(x, r * width, (r + 1) * width);
        }
        return out;
    }
}
