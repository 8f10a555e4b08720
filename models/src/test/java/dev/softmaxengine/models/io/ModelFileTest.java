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

        // safetensors, as its spec (and its Rust validator) has it: uint64 LE header length, a JSON
        // header padded to 8, tensors back to back covering the data section exactly.
        byte[] bytes = Files.readAllBytes(p);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, (8 + headerLength) % 8, "data starts 8-byte aligned");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"softmax-engine\",\"kind\":\"test-kind\""), header);
        Map<?, ?> parsed = (Map<?, ?>) Json.parse(header);
        long dataBytes = bytes.length - 8 - headerLength;
        long next = 0;
        for (Map.Entry<?, ?> e : parsed.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                ((Map<?, ?>) e.getValue()).values().forEach(v -> assertTrue(v instanceof String, "metadata values are strings"));
                continue;
            }
            List<?> offsets = (List<?>) ((Map<?, ?>) e.getValue()).get("data_offsets");
            assertEquals(next, offsets.get(0), "tensor " + e.getKey() + " starts where the last ended");
            next = (Long) offsets.get(1);
        }
        assertEquals(dataBytes, next, "the tensors cover the data section");
        assertEquals(1.5, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getDouble((int) (8 + headerLength)),
                "little-endian data");
    }

    @Test
    void smxmodelVersionOneFilesStayReadable() throws IOException {
        String json = "{\"kind\":\"old\",\"attributes\":{\"classes\":[\"a\",\"b\"]},\"arrays\":{\"w\":"
                + "{\"dtype\":\"float64\",\"shape\":[2],\"offset\":0}}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        int dataStart = (16 + header.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(dataStart + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put("SMXMODEL".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(header.length).put(header);
        b.position(dataStart);
        b.putDouble(0.25).putDouble(-3);
        Path p = Files.write(dir.resolve("old.smx"), b.array());
        ModelFile m = ModelFile.read(p);
        assertEquals("old", m.kind());
        assertEquals(List.of("a", "b"), m.strings("classes"));
        assertArrayEquals(new double[] {0.25, -3}, m.doubles("w"));
        // Written again, it is safetensors and reads back the same.
        Path again = dir.resolve("again.smx");
        m.write(again);
        assertArrayEquals(new double[] {0.25, -3}, ModelFile.read(again).doubles("w"));
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
        assertTrue(e.getMessage().startsWith(truncated + ": malformed model file: array 'w' needs \"data_offsets\""
                + " [begin, end] within the 24 data bytes, was [0, 32]"), e.getMessage());

        Path text = dir.resolve("text.smx");
        Files.writeString(text, "not a model at all");
        assertEquals(text + ": not a softmax-engine model file (neither safetensors nor SMXMODEL)",
                assertThrows(IOException.class, () -> ModelFile.read(text)).getMessage());

        ByteBuffer v2 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        v2.put("SMXMODEL".getBytes(StandardCharsets.US_ASCII)).putInt(2).putInt(2).put("{}".getBytes(StandardCharsets.US_ASCII));
        Path newer = dir.resolve("newer.smx");
        Files.write(newer, v2.array());
        assertEquals(newer + ": model file format version 2, this build reads 1",
                assertThrows(IOException.class, () -> ModelFile.read(newer)).getMessage());

        byte[] longHeader = good.clone();
        longHeader[5] = 0x7f;
        Path runaway = dir.resolve("runaway.smx");
        Files.write(runaway, longHeader);
        assertTrue(assertThrows(IOException.class, () -> ModelFile.read(runaway)).getMessage()
                .contains("safetensors header of"));

        // A safetensors file that is not ours (torch's, say): named as such, not read as a model.
        String torch = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}    ";
        ByteBuffer t = ByteBuffer.allocate(8 + torch.length() + 4).order(ByteOrder.LITTLE_ENDIAN);
        t.putLong(torch.length()).put(torch.getBytes(StandardCharsets.US_ASCII)).putFloat(1f);
        Path foreign = Files.write(dir.resolve("torch.safetensors"), t.array());
        assertTrue(assertThrows(IOException.class, () -> ModelFile.read(foreign)).getMessage()
                .contains("a safetensors file, but not a softmax-engine model"));
    }
}
