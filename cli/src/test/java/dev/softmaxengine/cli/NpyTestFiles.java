package dev.softmaxengine.cli;

import dev.softmaxengine.models.io.NpyHeader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;

/** .npy files as numpy's {@code np.save} writes them (format 1.0), for tests outside this package. */
public final class NpyTestFiles {
    private NpyTestFiles() {
    }

    /** float32 values of the given shape. */
    public static byte[] float32(float[] values, long... shape) {
        ByteBuffer b = start("<f4", shape, values.length * 4L);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    public static byte[] int64(long[] values) {
        ByteBuffer b = start("<i8", new long[] {values.length}, values.length * 8L);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** A {@code <U n} array: UTF-32LE code units, NUL-padded to the longest string, as numpy stores str. */
    public static byte[] unicode(String[] values) {
        int width = 1;
        for (String s : values) {
            width = Math.max(width, s.codePointCount(0, s.length()));
        }
        ByteBuffer b = start("<U" + width, new long[] {values.length}, (long) values.length * 4 * width);
        for (String s : values) {
            byte[] units = s.getBytes(Charset.forName("UTF-32LE"));
            b.put(units);
            b.put(new byte[4 * width - units.length]);
        }
        return b.array();
    }

    private static ByteBuffer start(String descr, long[] shape, long dataBytes) {
        byte[] header = NpyHeader.encode(descr, shape);
        ByteBuffer b = ByteBuffer.allocate((int) (header.length + dataBytes)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        return b;
    }
}
