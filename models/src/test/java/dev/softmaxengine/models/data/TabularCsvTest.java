package dev.softmaxengine.models.data;

import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TabularCsvTest {
    @TempDir
    Path dir;

    @Test
    void readsTheSharedTabularSets() {
        Dataset iris = TestSupport.tabular("iris.csv");
        assertEquals(150, iris.rows());
        assertEquals(4, iris.features());
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
        assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, java.util.Arrays.copyOf(iris.x(), 4));
        assertArrayEquals(new int[] {50, 50, 50}, iris.classCounts());

        Dataset digits = TestSupport.tabular("digits.csv.gz");
        assertEquals(1797, digits.rows());
        assertEquals(64, digits.features());
        assertEquals(10, digits.classes());
        assertEquals(0, digits.labels()[0]);
        assertEquals(1, digits.labels()[1]);

        Dataset wine = TestSupport.tabular("wine_data.csv");
        assertEquals(178, wine.rows());
        assertEquals(13, wine.features());
        Dataset cancer = TestSupport.tabular("breast_cancer.csv");
        assertEquals(569, cancer.rows());
        assertEquals(30, cancer.features());
        assertEquals(List.of("malignant", "benign"), cancer.classNames());
    }

    @Test
    void streamsInBatchesAndReadsGzipByContent() throws IOException {
        Path gz = dir.resolve("small.data");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("3,2,no,yes\n1.5,2,0\n\n-3,4e1,1\n0,0,1\n".getBytes(StandardCharsets.UTF_8));
        }
        try (TabularCsv csv = TabularCsv.open(gz)) {
            assertEquals(2, csv.features());
            assertEquals(3, csv.declaredRows());
            float[] x = new float[4];
            int[] y = new int[2];
            assertEquals(2, csv.read(x, y, 2));
            assertArrayEquals(new float[] {1.5f, 2, -3, 40}, x);
            assertArrayEquals(new int[] {0, 1}, y);
            assertEquals(1, csv.read(x, y, 2));
            assertEquals(0, csv.read(x, y, 2));
        }
    }

    @Test
    void headerlessFilesNameClassesByNumber() throws IOException {
        Path p = write("h.csv", "1,2,0\n3,4,2\n");
        Dataset d = TabularCsv.read(p);
        assertEquals(List.of("0", "1", "2"), d.classNames());
        assertEquals(2, d.features());
    }

    @Test
    void malformedRowsAreReportedWithFileAndLine() throws IOException {
        Path wide = write("wide.csv", "2,2,a,b\n1,2,0\n1,2,3,1\n");
        IOException e = assertThrows(IOException.class, () -> TabularCsv.read(wide));
        assertEquals(wide + ":3: expected 3 fields (features then label), was 4", e.getMessage());

        Path label = write("label.csv", "1,2,a,b\n1,2,5\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(label));
        assertEquals(label + ":2: label must be in [0, 2), was 5", e.getMessage());

        Path text = write("text.csv", "1,x,0\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(text));
        assertEquals(text + ":1: n_features must be an integer >= 0, was 'x'", e.getMessage());

        Path count = write("count.csv", "3,1,a,b\n1,0\n2,1\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(count));
        assertEquals(count + ": header declares 3 rows, file has 2", e.getMessage());

        Path notInt = write("float-label.csv", "1,2.5\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(notInt));
        assertEquals(notInt + ":1: field 2 is not an integer label: '2.5'", e.getMessage());
    }

    @Test
    void smallBatchArraysAreRejected() throws IOException {
        try (TabularCsv csv = TabularCsv.open(write("ok.csv", "1,2,0\n"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> csv.read(new float[3], new int[2], 2));
            assertEquals("x must hold 2 rows of 2 features (4 elements), had 3", e.getMessage());
        }
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }
}
