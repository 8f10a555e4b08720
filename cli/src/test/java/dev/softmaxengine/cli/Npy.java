package dev.softmaxengine.cli;

import dev.softmaxengine.models.io.NpyHeader;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Builds .npy bytes by hand for the tests, independently of {@link NpyHeader}. */
final class Npy {
    private Npy() {
    }

    /** A file of format {@code major}.0 with header dict {@code dict}, padded to 64 bytes as numpy does, then {@code data}. */
    static byte[] file(int major, String dict, byte[] data) {
        byte[] text = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int padded = (prefix + text.length + 1 + 63) / 64 * 64;
        int headerLength = padded - prefix;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x93);
        out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        out.write(major);
        out.write(0);
        out.write(headerLength & 0xFF);
        out.write(headerLength >>> 8);
        if (major != 1) {
            out.write(0);
            out.write(0);
        }
        out.writeBytes(text);
        for (int i = prefix + text.length; i < padded - 1; i++) {
            out.write(' ');
        }
        out.write('\n');
        out.writeBytes(data);
        return out.toByteArray();
    }

    static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    static byte[] f4(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] f8(double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    /** The run's seed: {@code -Dtests.seed}, or random when empty; printed so that a failure can be replayed. */
    static long seed(String test) {
        String p = System.getProperty("tests.seed", "");
        long seed = p.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(p.trim());
        System.out.println(test + ": tests.seed=" + seed);
        return seed;
    }
}
