package dev.softmaxengine.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyOutputFileTest {
    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** Bytes of disk the file's blocks take (st_blocks x 512; Java has no attribute for it). */
    private static long allocatedBytes(Path p) throws IOException {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
        String[] f = new String(stat.getInputStream().readAllBytes()).strip().split(" ");
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    /** The output's blocks are written before the mapping: the file is not sparse. */
    @Test
    void theOutputIsReservedBeforeItIsMapped() throws IOException {
        Path target = dir.resolve("y.npy");
        try (NpyOutputFile out = NpyOutputFile.create(target, "<f4", 4, new long[] {1024, 256})) {
            Path temp = files().getFirst();
            assertEquals(128 + 1024 * 256 * 4, Files.size(temp));
            assertTrue(allocatedBytes(temp) >= Files.size(temp), "allocated " + allocatedBytes(temp) + " of "
                    + Files.size(temp) + " bytes");
            out.data().setAtIndex(ValueLayout.JAVA_FLOAT, 0, 1f);
            out.commit();
        }
        assertEquals(List.of(target), files());
        try (NpyArray y = NpyArray.open(target)) {
            assertEquals(1f, y.tensor().get(0));
            assertEquals(0f, y.tensor().get(1024 * 256 - 1));
        }
    }

    /**
     * A full disk is an IOException naming the target and the cause. Before, the sparse mapping
     * faulted on a kernel's first store to an unallocated block: InternalError, or SIGBUS in a driver.
     */
    @Test
    void aFullDiskIsAnIoErrorWhileReserving() throws IOException {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), "no writable /dev/full here");
        try (FileChannel ch = FileChannel.open(full, StandardOpenOption.WRITE)) {
            IOException e = assertThrows(IOException.class,
                    () -> NpyOutputFile.reserve(ch, ByteBuffer.wrap(new byte[128]), 1 << 20, dir.resolve("y.npy")));
            assertTrue(e.getMessage().startsWith(dir.resolve("y.npy") + ": cannot reserve 1048576 bytes for the output: "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        }
    }

    @Test
    void closingWithoutACommitLeavesNothing() throws IOException {
        Path target = Files.writeString(dir.resolve("y.npy"), "previous");
        try (NpyOutputFile out = NpyOutputFile.create(target, "<f8", 8, new long[] {3})) {
            assertEquals(2, files().size());
        }
        assertEquals(List.of(target), files());
        assertEquals("previous", Files.readString(target));
    }
}
