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
 * so that large inputs are never copied onto the heap. {@link #close()} unmaps it.
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
            DType dtype = dtype(path, header);
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

    private static DType dtype(Path path, NpyHeader header) {
        if (header.fortranOrder()) {
            throw new IllegalArgumentException(path + ": fortran_order True (column-major data) is not supported;"
                    + " save np.ascontiguousarray(a) instead");
        }
        return switch (header.descr()) {
            case "<f4" -> DType.FLOAT32;
            case "<f8" -> DType.FLOAT64;
            case ">f4", ">f8" -> throw new IllegalArgumentException(path + ": big-endian dtype '" + header.descr()
                    + "' is not supported; save a.astype('<" + header.descr().substring(1) + "') instead");
            default -> throw new IllegalArgumentException(path + ": dtype '" + header.descr()
                    + "' is not supported; softmax-engine reads float32 ('<f4') and float64 ('<f8')");
        };
    }

    /**
     * The numpy dtype descriptor.
     *
     * @return {@code <f4} or {@code <f8}
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
