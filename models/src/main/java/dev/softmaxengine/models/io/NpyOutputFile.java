package dev.softmaxengine.models.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

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
        // A name of our own rather than createTempFile, which would give the result mode 0600.
        Path temp = dir.resolve("." + target.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_WRITE, 0, header.length + dataBytes, arena);
            MemorySegment.copy(header, 0, file, ValueLayout.JAVA_BYTE, 0, header.length);
            return new NpyOutputFile(target, temp, arena, file.asSlice(header.length));
        } catch (IOException e) {
            arena.close();
            Files.deleteIfExists(temp);
            throw new IOException(target + ": cannot create " + temp.getFileName() + " beside it: "
                    + reason(e), e);
        } catch (RuntimeException e) {
            arena.close();
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    private static String reason(IOException e) {
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : String.valueOf(e.getMessage());
    }

    /** The data area after the header, in native (little-endian) order; valid until commit or close. */
    public MemorySegment data() {
        return data;
    }

    /** Unmaps the file and moves it over the target in one rename (which replaces an existing file on POSIX). */
    public void commit() throws IOException {
        arena.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    /** Deletes the temporary file unless it was committed. */
    @Override
    public void close() throws IOException {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        if (!committed) {
            Files.deleteIfExists(temp);
        }
    }
}
