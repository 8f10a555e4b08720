package dev.softmaxengine.models.io;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.SegmentTensor;
import dev.softmaxengine.api.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code .npy} file of little-endian float32 or float64 data in C order, memory-mapped read-only
 * so that large inputs are never copied onto the heap. {@link #close()} unmaps it. With
 * {@link #open(Path, DType)} also float16 ({@code <f2}) and bfloat16, which has no numpy dtype: its
 * bits as {@code <u2} (uint16) or {@code V2} (two raw bytes).
 */
public final class NpyArray implements AutoCloseable {
    private final Arena arena;
    private final String descr;
    private final SegmentTensor tensor;

    private NpyArray(Arena arena, String descr, SegmentTensor tensor) {
        this.arena = arena;
        this.descr = descr;
        this.tensor = tensor;
    }

    /**
     * Maps {@code path} and checks its header and size.
     *
     * @param path a {@code .npy} file of little-endian float32 or float64 in C order
     * @return the mapped array; close it to unmap
     * @throws IllegalArgumentException naming the file and what is wrong with it
     * @throws IOException when it cannot be read
     */
    public static NpyArray open(Path path) throws IOException {
        return open(path, null, false);
    }

    /**
     * Maps {@code path} like {@link #open(Path)}, also accepting the 16-bit floating dtypes.
     *
     * @param path a {@code .npy} file of little-endian float32, float64 or float16 ({@code <f2}) in C
     *     order, or of bfloat16 bits ({@code <u2}, {@code <V2}, {@code |V2}) when {@code expected} is BFLOAT16
     * @param expected the dtype the file must hold, or null for any of float32, float64 and float16;
     *     BFLOAT16 is the only way to read 16-bit unsigned or void data, as bfloat16 bits
     * @return the mapped array; close it to unmap
     * @throws IllegalArgumentException naming the file and what is wrong with it, also when its dtype
     *     is not {@code expected}
     * @throws IOException when it cannot be read
     */
    public static NpyArray open(Path path, DType expected) throws IOException {
        if (expected != null && !expected.isFloating()) {
            throw new IllegalArgumentException("expected must be a floating dtype, was " + expected);
        }
        return open(path, expected, true);
    }

    private static NpyArray open(Path path, DType expected, boolean halves) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(path + ": not a regular file");
        }
        // Shared, because multi-threaded backends read the mapping from their own threads.
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            NpyHeader header;
            try {
                header = NpyHeader.read(file);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
            }
            DType dtype = dtype(path, header, expected, halves);
            Shape shape = Shape.of(header.shape());
            long dataBytes;
            try {
                dataBytes = Math.multiplyExact(shape.size(), (long) dtype.byteSize());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(path + ": shape " + shape + " overflows a byte count");
            }
            long present = file.byteSize() - header.dataOffset();
            if (present != dataBytes) {
                throw new IllegalArgumentException(path + ": " + (present < dataBytes ? "truncated data" : "trailing bytes")
                        + ": shape " + shape + " of " + header.descr() + " needs " + dataBytes + " data bytes, the file has "
                        + present + " after the header");
            }
            SegmentTensor tensor = Tensor.of(file.asSlice(header.dataOffset(), dataBytes), dtype, header.shape());
            return new NpyArray(arena, header.descr(), tensor);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static DType dtype(Path path, NpyHeader header, DType expected, boolean halves) {
        if (header.fortranOrder()) {
            throw new IllegalArgumentException(path + ": fortran_order True (column-major data) is not supported;"
                    + " save np.ascontiguousarray(a) instead");
        }
        String descr = header.descr();
        DType found = switch (descr) {
            case "<f4" -> DType.FLOAT32;
            case "<f8" -> DType.FLOAT64;
            case "<f2" -> halves ? DType.FLOAT16 : null;
            case "<u2", "<V2", "|V2" -> halves && expected == DType.BFLOAT16 ? DType.BFLOAT16 : null;
            case ">f4", ">f8", ">f2" -> throw new IllegalArgumentException(path + ": big-endian dtype '" + descr
                    + "' is not supported; save a.astype('<" + descr.substring(1) + "') instead");
            default -> null;
        };
        if (found == null) {
            String bf16 = descr.equals("<u2") || descr.endsWith("V2")
                    ? " (bfloat16 bits in '" + descr + "' are read only when bfloat16 is asked for)" : "";
            throw new IllegalArgumentException(path + ": dtype '" + descr + "' is not supported; softmax-engine reads"
                    + " float32 ('<f4') and float64 ('<f8')" + (halves ? ", float16 ('<f2') and bfloat16 bits"
                    + " ('<u2', 'V2')" : "") + bf16);
        }
        if (expected != null && found != expected) {
            throw new IllegalArgumentException(path + ": dtype '" + descr + "' holds " + found + ", not the "
                    + expected + " asked for");
        }
        return found;
    }

    /**
     * The numpy dtype descriptor.
     *
     * @return {@code <f4}, {@code <f8}, {@code <f2}, or the {@code <u2} / {@code V2} of bfloat16 bits
     */
    public String descr() {
        return descr;
    }

    /**
     * The data, read-only; valid until {@link #close()}.
     *
     * @return a tensor of the file's shape and dtype over the mapped data
     */
    public SegmentTensor tensor() {
        return tensor;
    }

    @Override
    public void close() {
        arena.close();
    }
}
