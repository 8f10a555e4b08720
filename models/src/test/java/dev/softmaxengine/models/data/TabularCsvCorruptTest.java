package dev.softmaxengine.models.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files: each error names the file, whatever layer (gzip, CSV, our checks) found the damage. */
class TabularCsvCorruptTest {
    @TempDir
    Path dir;

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    private String rejected(Path p) {
        String m = assertThrows(IOException.class, () -> TabularCsv.read(p)).getMessage();
        assertTrue(m.startsWith(p + ": "), m);
        return m.substring(p.toString().length() + 2);
    }

    /** Before: "Unexpected end of ZLIB input stream", naming no file. */
    @Test
    void truncatedOrCorruptGzipNamesTheFile() throws IOException {
        StringBuilder rows = new StringBuilder("x,label\n");
        for (int i = 0; i < 200_000; i++) {
            rows.append(i % 1000).append(',').append(i % 3).append('\n');
        }
        byte[] whole = gzip(rows.toString());
        for (int cut : new int[] {20, whole.length / 2}) {
            Path p = Files.write(dir.resolve("cut" + cut + ".csv.gz"), Arrays.copyOf(whole, cut));
            String m = rejected(p);
            assertTrue(m.startsWith("corrupt or truncated gzip data: "), m);
        }
        byte[] garbage = whole.clone();
        Arrays.fill(garbage, 10, 40, (byte) 0x55);
        String m = rejected(Files.write(dir.resolve("garbage.csv.gz"), garbage));
        assertTrue(m.startsWith("corrupt or truncated gzip data: "), m);
    }

    @Test
    void aByteOrderMarkAndNonFiniteCellsAreHandledWithTheirLine() throws IOException {
        Path bom = Files.write(dir.resolve("bom.csv"), ("\uFEFFx,label\n1,a\n2,b\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("a", "b"), TabularCsv.read(bom).classNames());
        for (String cell : new String[] {"NaN", "Infinity", "-Infinity"}) {
            Path p = Files.writeString(dir.resolve("nonfinite.csv"), "x,label\n1,a\n" + cell + ",b\n");
            assertEquals(p + ":3:1: column 'x' is " + cell + "; the models need finite features",
                    assertThrows(IOException.class, () -> TabularCsv.read(p)).getMessage());
        }
    }
}
