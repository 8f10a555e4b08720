package dev.softmaxengine.models.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A one-dimensional {@code .npy} array of class labels, as text: integers ({@code i1 i2 i4 i8 u1
 * u2 u4 u8}, little-endian) or strings ({@code <U n}, numpy's UTF-32; {@code |S n}, bytes), the
 * dtypes {@code np.save(y)} writes for scikit-learn's {@code y}.
 */
public final class NpyLabels {
    private NpyLabels() {
    }

    /**
     * The labels of {@code path}, one per element; strings lose numpy's trailing NUL padding.
     *
     * @param path a one-dimensional {@code .npy} file of integers or strings
     * @return one label per element, in order
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the file when its header or dtype is not one of these
     */
    public static String[] read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString());
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            NpyHeader h;
            try {
                h = NpyHeader.read(file);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
            }
            long[] shape = h.shape();
            if (shape.length != 1 && !(shape.length == 2 && shape[1] == 1)) {
                throw new IllegalArgumentException(path + ": labels must be one-dimensional (n,) or (n, 1), shape was "
                        + java.util.Arrays.toString(shape));
            }
            if (shape[0] > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(path + ": too many labels: " + shape[0]);
            }
            int n = (int) shape[0];
            String d = h.descr();
            char kind = d.length() >= 3 ? d.charAt(1) : '?';
            int width;
            try {
                width = Integer.parseInt(d.substring(2));
            } catch (RuntimeException e) {
                width = -1;
            }
            boolean little = d.charAt(0) == '<' || d.charAt(0) == '|' || d.charAt(0) == '=';
            int itemBytes = switch (kind) {
                case 'i', 'u' -> width;
                case 'U' -> 4 * width;
                case 'S' -> width;
                default -> -1;
            };
            if (!little || itemBytes <= 0 || ((kind == 'i' || kind == 'u') && width != 1 && width != 2 && width != 4
                    && width != 8)) {
                throw new IllegalArgumentException(path + ": label dtype '" + d + "' is not supported; save integer"
                        + " (e.g. '<i8') or string ('<U…') labels");
            }
            long need = (long) n * itemBytes;
            if (file.byteSize() - h.dataOffset() != need) {
                throw new IllegalArgumentException(path + ": shape " + n + " of '" + d + "' needs " + need
                        + " data bytes, the file has " + (file.byteSize() - h.dataOffset()));
            }
            MemorySegment data = file.asSlice(h.dataOffset(), need);
            String[] out = new String[n];
            for (int i = 0; i < n; i++) {
                long at = (long) i * itemBytes;
                out[i] = switch (kind) {
                    case 'i', 'u' -> integer(data, at, width, kind == 'u');
                    case 'U' -> text(data.asSlice(at, itemBytes), "UTF-32LE", 4);
                    default -> text(data.asSlice(at, itemBytes), "ISO-8859-1", 1);
                };
            }
            return out;
        }
    }

    private static String integer(MemorySegment data, long at, int width, boolean unsigned) {
        ValueLayout.OfByte b = ValueLayout.JAVA_BYTE;
        return switch (width) {
            case 1 -> Long.toString(unsigned ? Byte.toUnsignedLong(data.get(b, at)) : data.get(b, at));
            case 2 -> {
                short v = data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
                yield Long.toString(unsigned ? Short.toUnsignedLong(v) : v);
            }
            case 4 -> {
                int v = data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
                yield Long.toString(unsigned ? Integer.toUnsignedLong(v) : v);
            }
            default -> {
                long v = data.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
                yield unsigned ? Long.toUnsignedString(v) : Long.toString(v);
            }
        };
    }

    private static String text(MemorySegment item, String charset, int unit) {
        byte[] bytes = item.toArray(ValueLayout.JAVA_BYTE);
        int end = bytes.length;
        // numpy pads short strings with NUL code units.
        while (end >= unit && isZero(bytes, end - unit, unit)) {
            end -= unit;
        }
        return new String(bytes, 0, end, java.nio.charset.Charset.forName(charset));
    }

    private static boolean isZero(byte[] b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
