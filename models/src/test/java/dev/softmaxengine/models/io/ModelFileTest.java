package dev.softmaxengine.models.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {
    @TempDir
    Path dir;

    @Test
    void arraysAndAttributesRoundTripBitForBit() throws IOException {
        double[] w = {1.5, -0.0, Double.MIN_VALUE, Double.NEGATIVE_INFINITY, Double.NaN, 1e308};
        float[] f = {1f, 2f, 3f};
        int[] ids = {7, -1, Integer.MAX_VALUE};
        Path p = dir.resolve("m.smx");
        ModelFile.builder("test-kind")
                .attribute("classes", List.of("a", "b"))
                .attribute("alpha", 0.001)
                .attribute("order", 2L)
                .attribute("nested", Map.of("k", List.of(1L)))
                .doubles("w", w, 2, 3)
                .floats("f", f, 3)
                .ints("ids", ids, 3, 1)
                .doubles("empty", new double[0], 0)
                .build()
                .write(p);
        ModelFile m = ModelFile.read(p);
        assertEquals("test-kind", m.kind());
        assertEquals(List.of("a", "b"), m.strings("classes"));
        assertEquals(0.001, m.number("alpha"));
        assertEquals(2, m.integer("order"));
        assertEquals(Map.of("k", List.of(1L)), m.attributes().get("nested"));
        assertEquals(Arrays.toString(w), Arrays.toString(m.doubles("w")));
        assertArrayEquals(new long[] {2, 3}, m.shape("w"));
        assertArrayEquals(f, m.floats("f"));
        assertArrayEquals(ids, m.ints("ids"));
        assertArrayEquals(new long[] {3, 1}, m.shape("ids"));
        assertEquals(0, m.doubles("empty").length);
        assertFalse(Files.exists(dir.resolve("m.smx.tmp")));

        byte[] bytes = Files.readAllBytes(p);
        assertEquals("SMXMODEL", new String(bytes, 0, 8, StandardCharsets.US_ASCII));
        int headerLength = ByteBuffer.wrap(bytes, 12, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        String header = new String(bytes, 16, headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"kind\":\"test-kind\""), header);
        long dataStart = (16 + headerLength + 7) / 8 * 8;
        assertEquals(1.5, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getDouble((int) dataStart), "little-endian data");
    }

    @Test
    void wrongAccessIsAnErrorNamingTheEntry() throws IOException {
        Path p = dir.resolve("m.smx");
        ModelFile.builder("k").doubles("w", new double[2], 2).build().write(p);
        ModelFile m = ModelFile.read(p);
        assertEquals("array 'w' is float64, expected int32",
                assertThrows(IllegalArgumentException.class, () -> m.ints("w")).getMessage());
        assertEquals("model file has no array 'v'; it has [w]",
                assertThrows(IllegalArgumentException.class, () -> m.doubles("v")).getMessage());
        assertEquals("attribute 'classes' must be a List, was missing",
                assertThrows(IllegalArgumentException.class, () -> m.strings("classes")).getMessage());
        assertEquals("model file holds a k model, expected other",
                assertThrows(IllegalArgumentException.class, () -> m.requireKind("other")).getMessage());
        assertEquals("array 'x' has 3 elements, shape [2, 2] needs 4",
                assertThrows(IllegalArgumentException.class, () -> ModelFile.builder("k").doubles("x", new double[3], 2, 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelFile.builder("k").attribute("x", Double.NaN));
    }

    @Test
    void corruptFilesAreIoErrorsNamingThePath() throws IOException {
        Path p = dir.resolve("m.smx");
        ModelFile.builder("k").doubles("w", new double[4], 4).build().write(p);
        byte[] good = Files.readAllBytes(p);

        Path truncated = dir.resolve("truncated.smx");
        Files.write(truncated, Arrays.copyOf(good, good.length - 8));
        IOException e = assertThrows(IOException.class, () -> ModelFile.read(truncated));
        assertTrue(e.getMessage().startsWith(truncated + ": malformed model file: array 'w' (offset 0, 32 bytes) runs past"),
                e.getMessage());

        Path text = dir.resolve("text.smx");
        Files.writeString(text, "not a model at all");
        assertEquals(text + ": not a softmax-engine model file (no SMXMODEL magic)",
                assertThrows(IOException.class, () -> ModelFile.read(text)).getMessage());

        byte[] future = good.clone();
        future[8] = 2;
        Path newer = dir.resolve("newer.smx");
        Files.write(newer, future);
        assertEquals(newer + ": model file format version 2, this build reads 1",
                assertThrows(IOException.class, () -> ModelFile.read(newer)).getMessage());

        byte[] longHeader = good.clone();
        longHeader[13] = 0x7f;
        Path runaway = dir.resolve("runaway.smx");
        Files.write(runaway, longHeader);
        assertThrows(IOException.class, () -> ModelFile.read(runaway));
    }
}
