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
    void headerlessFilesNameClassesByTheirDistinctLabels() throws IOException {
        Path p = write("h.csv", "1,2,10\n3,4,2\n5,6,10\n");
        Dataset d = TabularCsv.read(p);
        assertEquals(List.of("2", "10"), d.classNames()); // numeric order, as np.unique of integers
        assertArrayEquals(new int[] {1, 0, 1}, d.labels());
        assertEquals(2, d.features());
    }

    @Test
    void malformedRowsAreReportedWithFileLineAndColumn() throws IOException {
        Path wide = write("wide.csv", "2,2,a,b\n1,2,0\n1,2,3,1\n");
        IOException e = assertThrows(IOException.class, () -> TabularCsv.read(wide));
        assertEquals(wide + ":3: has 4 fields, the header's n_features + 1 is 3", e.getMessage());

        Path label = write("label.csv", "2,2,a,b\n1,2,0\n1,2,5\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(label));
        assertEquals(label + ":3:3: column '2' label must be in [0, 2), was 5", e.getMessage());

        Path count = write("count.csv", "3,1,a,b\n1,0\n2,1\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(count));
        assertEquals(count + ": header declares 3 rows, file has 2", e.getMessage());

        Path text = write("text.csv", "a,b,label\n1,2,x\n1,oops,y\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(text));
        assertEquals(text + ":3:2: column 'b' is not a number: 'oops'", e.getMessage());

        Path nan = write("nan.csv", "a,b,label\n1,2,x\n\n3,NaN,y\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(nan));
        assertEquals(nan + ":4:2: column 'b' is NaN; the models need finite features", e.getMessage());

        Path empty = write("empty.csv", "a,b,label\n1,,x\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(empty));
        assertEquals(empty + ":2:2: column 'b' is empty; every feature needs a number", e.getMessage());

        Path ragged = write("ragged.csv", "a,b,label\n1,2,x\n1,2\n");
        e = assertThrows(IOException.class, () -> TabularCsv.read(ragged));
        assertEquals(ragged + ":3: has 2 fields, the first line has 3", e.getMessage());
    }

    @Test
    void namedHeadersQuotesCrlfBomAndDelimiters() throws IOException {
        // RFC 4180: a quoted field holds the delimiter, a doubled quote and a line break; CRLF line ends; a BOM.
        String text = "\uFEFFid;\"sepal; length\";width;species\r\n"
                + "\"a \"\"1\"\"\";5,5;1.5;setosa\r\n"
                + "\"b\nc\";6;2;\"versi;color\"\r\n"
                + "d;7;3;setosa\r\n";
        Path p = dir.resolve("semi.csv");
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
        // The label is the last column (no column is named label/class/target/y); "id" is text, so not a feature.
        TabularCsv.Options o = new TabularCsv.Options().idColumn("id").features(List.of("width", "1"));
        IOException e = assertThrows(IOException.class, () -> TabularCsv.read(p, o));
        assertEquals(p + ":2:2: column 'sepal; length' is not a number: '5,5'", e.getMessage()); // ';' won: 5,5 is no number

        Path dot = dir.resolve("semi-dot.csv");
        Files.write(dot, text.replace("5,5", "5.5").getBytes(StandardCharsets.UTF_8));
        try (TabularCsv csv = TabularCsv.open(dot, o)) {
            assertEquals(List.of("id", "sepal; length", "width", "species"), csv.columnNames());
            assertEquals(List.of("width", "sepal; length"), csv.featureNames());
            assertEquals("species", csv.labelName());
            float[] x = new float[6];
            int[] y = new int[3];
            assertEquals(3, csv.read(x, y, 3));
            assertArrayEquals(new float[] {1.5f, 5.5f, 2, 6, 3, 7}, x);
            assertEquals(List.of("a \"1\"", "b\nc", "d"), List.of(csv.ids()).subList(0, 3));
            assertArrayEquals(new int[] {0, 1, 0}, y); // in order of appearance until readAll sorts them
        }
        Dataset d = TabularCsv.read(dot, new TabularCsv.Options().idColumn("id"));
        assertEquals(List.of("setosa", "versi;color"), d.classNames());
        assertEquals(2, d.features());

        Path tsv = write("t.tsv", "f1\tf2\tTarget\tnote\n1\t2\tyes\tfirst\n3\t4\tno\tsecond\n");
        Dataset t = TabularCsv.read(tsv);
        assertEquals(List.of("no", "yes"), t.classNames()); // 'Target' is the label by name; 'note' is text
        assertArrayEquals(new float[] {1, 2, 3, 4}, t.x());
        assertArrayEquals(new int[] {1, 0}, t.labels());
    }

    @Test
    void scoringTablesMayLackLabelsAndMapLabelsOntoTheModelsClasses() throws IOException {
        Path p = write("s.csv", "x1,x2\n1,2\n3,4\n");
        try (TabularCsv csv = TabularCsv.open(p, new TabularCsv.Options().classes(List.of("a", "b")).scoring(2))) {
            assertEquals(null, csv.labelName());
            float[] x = new float[4];
            int[] y = new int[2];
            assertEquals(2, csv.read(x, y, 2));
            assertArrayEquals(new int[] {-1, -1}, y);
        }
        // Headerless (a first row with text must be declared so): a label column exactly when the file is
        // one column wider than the model reads.
        Path h = write("h.csv", "1,2,b\n3,4,a\n");
        try (TabularCsv csv = TabularCsv.open(h, new TabularCsv.Options().noHeader(true).classes(List.of("a", "b")).scoring(2))) {
            int[] y = new int[2];
            assertEquals(2, csv.read(new float[4], y, 2));
            assertArrayEquals(new int[] {1, 0}, y);
        }
        Path unknown = write("u.csv", "x1,x2,label\n1,2,a\n3,4,zebra\n");
        IOException e = assertThrows(IOException.class, () -> {
            try (TabularCsv csv = TabularCsv.open(unknown, new TabularCsv.Options().classes(List.of("a", "b")).scoring(2))) {
                csv.read(new float[4], new int[2], 2);
            }
        });
        assertEquals(unknown + ":3:3: column 'label' label 'zebra' is not one of the model's classes [a, b]", e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TabularCsv.open(p, new TabularCsv.Options().labelColumn("species")));
        assertEquals(p + ": --label-col 'species' is neither a column name nor an index in [0, 2); the columns are [x1, x2]",
                bad.getMessage());
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
