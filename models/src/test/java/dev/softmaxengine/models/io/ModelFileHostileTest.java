package dev.softmaxengine.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files made to mislead the reader, and the ways a write can be interrupted: each read is an
 * IOException naming the file and the rule, each failed write leaves the directory as it was.
 */
class ModelFileHostileTest {
    @TempDir
    Path dir;

    /** A version-1 file of {@code json} as header and {@code data} as the data section. */
    private static byte[] raw(String json, byte[] data) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        int dataStart = (16 + header.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(dataStart + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("SMXMODEL".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(header.length).put(header);
        b.position(dataStart);
        b.put(data);
        return b.array();
    }

    private static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) {
            b.putDouble(d);
        }
        return b.array();
    }

    private String rejected(byte[] file) throws IOException {
        Path p = Files.write(dir.resolve("bad.smx"), file);
        String m = assertThrows(IOException.class, () -> ModelFile.read(p)).getMessage();
        assertTrue(m.startsWith(p + ": "), m);
        return m.substring(p.toString().length() + 2);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Before: 2^63 - 8 wrapped dataStart + offset negative, passed the bounds check and read the header's bytes. */
    @Test
    void anOffsetThatWrapsTheSumIsRefused() throws IOException {
        String m = rejected(raw("{\"kind\": \"k\", \"arrays\": {\"w\": {\"dtype\": \"float64\", \"shape\": [2],"
                + " \"offset\": 9223372036854775800}}}", doubles(1, 2)));
        assertEquals("malformed model file: array 'w' (offset 9223372036854775800, 16 bytes) runs past the end of the "
                + "136-byte file", m);
    }

    /** Before: 200 entries at offset 0 each copied the whole data section (memory = entries x file). */
    @Test
    void arraysThatAliasTheSameBytesAreRefused() throws IOException {
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            entries.append(i == 0 ? "" : ", ").append("\"a").append(i)
                    .append("\": {\"dtype\": \"float64\", \"shape\": [4], \"offset\": 0}");
        }
        String m = rejected(raw("{\"kind\": \"k\", \"arrays\": {" + entries + "}}", doubles(1, 2, 3, 4)));
        assertTrue(m.matches("malformed model file: array 'a\\d+' \\(bytes \\d+\\.\\.\\d+\\) overlaps array 'a\\d+'.*"), m);
        // Partly overlapping is as bad; adjacent is fine.
        String two = "{\"kind\": \"k\", \"arrays\": {\"a\": {\"dtype\": \"float64\", \"shape\": [2], \"offset\": 0},"
                + " \"b\": {\"dtype\": \"float64\", \"shape\": [2], \"offset\": OFF}}}";
        assertTrue(rejected(raw(two.replace("OFF", "8"), doubles(1, 2, 3))).contains("overlaps array 'a'"));
        Path ok = Files.write(dir.resolve("ok.smx"), raw(two.replace("OFF", "16"), doubles(1, 2, 3, 4)));
        assertArrayEquals(new double[] {3, 4}, ModelFile.read(ok).doubles("b"));
    }

    @Test
    void aFlippedBitInTheDataFailsTheChecksum() throws IOException {
        Path p = dir.resolve("m.smx");
        ModelFile.builder("k").doubles("w", new double[] {0.5, 0.25, 0.125}, 3).build().write(p);
        byte[] bytes = Files.readAllBytes(p);
        assertTrue(new String(bytes, StandardCharsets.UTF_8).contains("\"crc32c\""), "the writer stores a checksum");
        bytes[bytes.length - 3] ^= 0x10;
        String m = rejected(bytes);
        assertTrue(m.startsWith("malformed model file: array 'w' fails its CRC32C check (stored "), m);
        assertTrue(m.endsWith("): the file is corrupt"), m);
    }

    @Test
    void filesWrittenBeforeChecksumsStayReadable() throws IOException {
        Path p = Files.write(dir.resolve("old.smx"), raw("{\"kind\": \"k\", \"attributes\": {},"
                + " \"arrays\": {\"w\": {\"dtype\": \"float64\", \"shape\": [2], \"offset\": 0}}}", doubles(1.5, -2)));
        assertArrayEquals(new double[] {1.5, -2}, ModelFile.read(p).doubles("w"));
    }

    /** Before: readAllBytes on /dev/zero ran until the heap was gone. */
    @Test
    void aDeviceIsNotReadAsAModel() {
        Path zero = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(zero), "no /dev/zero here");
        assertEquals("/dev/zero: not a regular file",
                assertThrows(IOException.class, () -> ModelFile.read(zero)).getMessage());
    }

    /** Before: the writer opened X.smx.tmp, following a symlink placed there into any file the user can write. */
    @Test
    void writingNeverFollowsALinkAtAGuessableTempName() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "keep me");
        Path target = dir.resolve("m.smx");
        Files.createSymbolicLink(dir.resolve("m.smx.tmp"), victim);
        ModelFile.builder("k").doubles("w", new double[] {1, 2}, 2).build().write(target);
        assertEquals("keep me", Files.readString(victim));
        assertArrayEquals(new double[] {1, 2}, ModelFile.read(target).doubles("w"));
        assertEquals(List.of(target, dir.resolve("m.smx.tmp"), victim), files(), "no temp file left behind");
    }

    /** Before: train --out DIR wrote DIR.tmp, failed to move it over the directory and left it there. */
    @Test
    void aFailedWriteLeavesNothingBehind() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("out"));
        Files.writeString(sub.resolve("inside"), "x");
        ModelFile m = ModelFile.builder("k").doubles("w", new double[] {1}, 1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.write(sub));
        assertEquals(sub + ": is a directory", e.getMessage());
        assertEquals(List.of(sub), files());
    }

    /** A JVM killed by SIGTERM mid-write: the shutdown hook deletes the temp file. */
    @Test
    void aTempFileIsDeletedWhenTheJvmIsTerminated() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                TempFileHolder.class.getName(), dir.resolve("m.smx").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            Path temp = Path.of(out.readLine());
            assertTrue(Files.exists(temp), "the child created " + temp);
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child exits on SIGTERM");
            assertFalse(Files.exists(temp), temp + " was deleted at exit");
        } finally {
            child.destroyForcibly();
        }
        assertEquals(List.of(), files());
    }

    /** The child of {@link #aTempFileIsDeletedWhenTheJvmIsTerminated}: holds a temp file until killed. */
    public static final class TempFileHolder {
        public static void main(String[] args) throws Exception {
            Path temp = TempFiles.createBeside(Path.of(args[0]));
            System.out.println(temp);
            System.out.flush();
            Thread.sleep(60_000);
        }
    }
}
