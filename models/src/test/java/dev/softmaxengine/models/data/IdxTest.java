package dev.softmaxengine.models.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {
    @TempDir
    Path dir;

    private Path idx(String name, boolean gzip, int[] dims, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        OutputStream raw = Files.newOutputStream(p);
        try (DataOutputStream out = new DataOutputStream(gzip ? new GZIPOutputStream(raw) : raw)) {
            out.writeShort(0);
            out.writeByte(0x08);
            out.writeByte(dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return p;
    }

    @Test
    void readsImagesAsRowsScaledToTheUnitInterval() throws IOException {
        Path images = idx("img.gz", true, new int[] {3, 2, 2}, new byte[] {0, (byte) 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, (byte) 200});
        Path labels = idx("lab", false, new int[] {3}, new byte[] {2, 0, 1});
        Dataset d = Idx.read(images, labels, List.of("a", "b", "c"));
        assertEquals(3, d.rows());
        assertEquals(4, d.features());
        assertArrayEquals(new int[] {2, 0, 1}, d.labels());
        assertEquals(0f, d.x()[0]);
        assertEquals(1f, d.x()[1]);
        assertEquals(0.2f, d.x()[2], 1e-7);
        assertEquals(200 / 255f, d.x()[11], 1e-7);
    }

    @Test
    void mismatchedOrTruncatedFilesAreErrorsNamingTheFile() throws IOException {
        Path images = idx("img", false, new int[] {2, 1, 2}, new byte[] {1, 2, 3, 4});
        Path labels = idx("lab", false, new int[] {3}, new byte[] {0, 1, 0});
        IOException e = assertThrows(IOException.class, () -> Idx.read(images, labels, List.of()));
        assertEquals(images + " has 2 images but " + labels + " has 3 labels", e.getMessage());

        Path shortImages = idx("short", false, new int[] {2, 1, 2}, new byte[] {1, 2, 3});
        Path twoLabels = idx("lab2", false, new int[] {2}, new byte[] {0, 1});
        e = assertThrows(IOException.class, () -> Idx.read(shortImages, twoLabels, List.of()));
        assertEquals(shortImages + ": truncated after 0 of 2 images", e.getMessage());

        Path text = dir.resolve("text");
        Files.writeString(text, "hello world");
        e = assertThrows(IOException.class, () -> Idx.read(text, twoLabels, List.of()));
        assertTrue(e.getMessage().startsWith(text + ": not an unsigned-byte IDX file"), e.getMessage());
    }

    @Test
    void aMissingFashionMnistNamesThePathAndThePackage() {
        Path nowhere = dir.resolve("no-such-dir");
        IOException e = assertThrows(IOException.class, () -> FashionMnist.read(nowhere, "train"));
        assertEquals("Fashion-MNIST file " + nowhere.resolve("train-images-idx3-ubyte.gz") + " not found; install Debian's"
                + " dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass its directory", e.getMessage());
    }
}
