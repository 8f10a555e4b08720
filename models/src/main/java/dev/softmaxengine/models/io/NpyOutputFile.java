package dev.softmaxengine.models.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code .npy} file being written: a hidden temporary file beside the target, memory-mapped
 * read-write with its version 1.0 header already in place. {@link #commit()} renames it over the
 * target atomically; {@link #close()} without a commit deletes it, so a failed run never leaves a
 * partial output behind.
 */
public final class NpyOutputFile implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final Arena arena;
    private final MemorySegment data;
    private boolean committed;

    private NpyOutputFile(Path target, Path temp, Arena arena, MemorySegment data) {
        this.target = target;
        this.temp = temp;
        this.arena = arena;
        this.data = data;
    }

    /**
     * Creates the temporary file for {@code shape} elements of {@code elementBytes} bytes each.
     *
     * @param target the {@code .npy} file to write on {@link #commit()}
     * @param descr the dtype descriptor, e.g. {@code <f4}
     * @param elementBytes bytes per element of {@code descr}
     * @param shape the dimensions, each at least 0
     * @return the open file, its header written and its data area zero-filled and mapped
     * @throws IllegalArgumentException when {@code target} is a directory or the size overflows
     * @throws IOException when the directory is missing or not writable
     */
    public static NpyOutputFile create(Path target, String descr, int elementBytes, long[] shape) throws IOException {
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException(target + ": is a directory");
        }
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(target + ": directory " + dir + " does not exist");
        }
        long elements = 1;
        long dataBytes;
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            dataBytes = Math.multiplyExact(elements, (long) elementBytes);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(target + ": output of " + elements + " elements overflows a byte count");
        }
        byte[] header = NpyHeader.encode(descr, shape);
        Path temp;
        try {
            temp = TempFiles.createBeside(target);
        } catch (IOException e) {
            throw new IOException(target + ": cannot create a temporary file beside it: " + reason(e), e);
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            long bytes = header.length + dataBytes;
            reserve(channel, ByteBuffer.wrap(header), bytes, target);
            MemorySegment file = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            return new NpyOutputFile(target, temp, arena, file.asSlice(header.length));
        } catch (IOException | RuntimeException e) {
            arena.close();
            TempFiles.discard(temp);
            throw e;
        }
    }

    /** Zeros written per call while reserving: large enough to stream, small enough to stay cached. */
    private static final int RESERVE_CHUNK = 1 << 20;

    /**
     * Writes {@code header} and then zeros up to {@code bytes} through the channel, so the file's
     * blocks are allocated before it is mapped. A mapping of a sparse file gets its blocks when a
     * kernel first stores to them; on a full disk that store faults (SIGBUS: an InternalError in
     * Java code, a JVM crash in a native driver). Written here, ENOSPC is an IOException instead.
     */
    static void reserve(FileChannel channel, ByteBuffer header, long bytes, Path target) throws IOException {
        try {
            long pos = 0;
            while (header.hasRemaining()) {
                pos += channel.write(header, pos);
            }
            ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(RESERVE_CHUNK, Math.max(bytes - pos, 1)));
            while (pos < bytes) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - pos));
                pos += channel.write(zeros, pos);
            }
        } catch (IOException e) {
            throw new IOException(target + ": cannot reserve " + bytes + " bytes for the output: " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : String.valueOf(e.getMessage());
    }

    /**
     * The data area after the header, in native (little-endian) order; valid until commit or close.
     *
     * @return the mapped segment of every element's bytes
     */
    public MemorySegment data() {
        return data;
    }

    /**
     * Unmaps the file and moves it over the target in one rename (which replaces an existing file on POSIX).
     *
     * @throws IOException when flushing or the rename fails; the temporary file is then deleted
     */
    public void commit() throws IOException {
        arena.close();
        TempFiles.commit(temp, target);
        committed = true;
    }

    /** Deletes the temporary file unless it was committed. */
    @Override
    public void close() throws IOException {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        if (!committed) {
            TempFiles.discard(temp);
        }
    }
}
