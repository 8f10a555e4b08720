package dev.softmaxengine.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.RowSource;
import dev.softmaxengine.models.data.TabularCsv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sizes a file or an option declares, refused (or not trusted) before they size an allocation:
 * before the fixes each of these ended in an OutOfMemoryError.
 */
class HostileSizesTest {
    @TempDir
    Path dir;

    /** Before: readAll sized its first arrays by the header's count, 2^31 floats for a three-line file. */
    @Test
    void aCsvDeclaringTwoBillionRowsIsReadAsTheRowsItHas() throws IOException {
        Path csv = Files.writeString(dir.resolve("iris.csv"), "2000000000,2,setosa,versicolor\n1,2,0\n3,4,1\n");
        IOException e = assertThrows(IOException.class, () -> TabularCsv.read(csv));
        assertEquals(csv + ": header declares 2000000000 rows, file has 2", e.getMessage());
    }

    /** A source without class names whose labels are the given integers. */
    private static RowSource labelled(int... labels) {
        return new RowSource() {
            private int next;

            @Override
            public int features() {
                return 1;
            }

            @Override
            public long declaredRows() {
                return labels.length;
            }

            @Override
            public List<String> classNames() {
                return List.of();
            }

            @Override
            public int read(float[] x, int[] y, int maxRows) {
                int n = Math.min(maxRows, labels.length - next);
                System.arraycopy(labels, next, y, 0, n);
                next += n;
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Before: one label of 10^8 made String[10^8 + 1] class names; 2^31 - 1 overflowed to a wrong message. */
    @Test
    void aHugeIntegerLabelIsRefusedBeforeNamingEveryClassBelowIt() {
        for (int label : new int[] {100_000_000, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> labelled(0, label).readAll());
            assertEquals("label " + label + " would make " + (label + 1L) + " classes, more than the 65536 a data set"
                    + " may have; labels without class names must be 0 .. classes - 1", e.getMessage());
        }
    }

    @Test
    void aLabelColumnOfIdsIsRefusedAtTheFirstLabelPastTheLimit() throws IOException {
        StringBuilder b = new StringBuilder("x,label\n");
        for (int i = 0; i < 100_000; i++) {
            b.append(i % 7).append(",id").append(i).append('\n');
        }
        Path csv = Files.writeString(dir.resolve("ids.csv"), b);
        IOException e = assertThrows(IOException.class, () -> TabularCsv.read(csv));
        assertEquals(csv + ":65538:2: column 'label' has more than 65536 distinct labels; is it the label column?"
                + " (name it with --label-col)", e.getMessage());
    }

    /** A classifier of {@code k} classes that scores every class 0. */
    private static Classifier uniform(int features, int k) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            names.add("c" + c);
        }
        SoftmaxKernel kernel = new ScalarSoftmaxKernel();
        return new Classifier() {
            @Override
            public String kind() {
                return "uniform";
            }

            @Override
            public int features() {
                return features;
            }

            @Override
            public List<String> classNames() {
                return names;
            }

            @Override
            public SoftmaxKernel kernel() {
                return kernel;
            }

            @Override
            public void scores(float[] x, int row, int rows, double[] out) {
                Arrays.fill(out, 0, rows * k, 0.0);
            }

            @Override
            public void save(Path path) {
                throw new UnsupportedOperationException();
            }
        };
    }

    /** Before: 65536 classes made a 65536^2 confusion matrix (16 GiB) and a 4096 x 65536 batch of log-probabilities (2 GiB). */
    @Test
    void manyClassesAreEvaluatedWithoutAConfusionMatrix() {
        int k = Dataset.MAX_CLASSES;
        Classifier model = uniform(1, k);
        Dataset data = new Dataset(new float[3], new int[] {0, 5, k - 1}, 1, model.classNames());
        Evaluation e = Evaluation.of(model, data);
        assertFalse(e.hasConfusion());
        assertEquals(3, e.rows());
        assertEquals(Math.log(k), e.logLoss(), 1e-9);

        Evaluation small = Evaluation.of(uniform(1, 3), new Dataset(new float[2], new int[] {0, 2}, 1, List.of("a", "b", "c")));
        assertTrue(small.hasConfusion());
        assertEquals(2, small.confusion()[0][0] + small.confusion()[2][0]);
    }

    /** Before: score --batch 100000000 allocated 10^8 x features floats and 10^8 x classes doubles up front. */
    @Test
    void aBatchLargerThanAStreamingUnitIsRefusedNamingTheOption() {
        Classifier model = uniform(784, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchScorer.requireBatchFits("--batch", 100_000_000, model));
        assertEquals("--batch = 100000000 rows of 784 features and 10 classes take 78400000000 elements per batch array,"
                + " more than 33554432; use at most 42799 rows", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchScorer(model, 100_000_000));
        new BatchScorer(model, 42_799);
    }
}
