package dev.softmaxengine.spark;

import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.RowSource;
import dev.softmaxengine.models.data.TabularCsv;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The tests' local Spark session and the shared real data. */
final class SparkTests {
    private SparkTests() {
    }

    /** A local[2] session: two task threads, no UI, a few shuffle partitions. One per test class. */
    static SparkSession session(String name) {
        return SparkSession.builder()
                .master("local[2]")
                .appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "localhost")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    /**
     * {@code shared/data/<relative>}: the data directory sits next to the checkout, so it is
     * {@code ../shared/data} from the root and {@code ../../shared/data} from a module.
     */
    static Path sharedData(String relative) {
        List<Path> tried = List.of(Path.of("..", "shared", "data", relative), Path.of("..", "..", "shared", "data", relative));
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("dataset " + relative + " not found at "
                + tried.stream().map(p -> p.toAbsolutePath().normalize()).toList()
                + "; the tests read the project's shared/data directory");
    }

    static Dataset digits() {
        try {
            return TabularCsv.read(sharedData("tabular/digits.csv.gz"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An in-memory {@link RowSource}, so that the single-JVM {@code BatchScorer} can score a {@link Dataset}. */
    static RowSource source(Dataset data) {
        return new RowSource() {
            private int next;

            @Override
            public int features() {
                return data.features();
            }

            @Override
            public long declaredRows() {
                return data.rows();
            }

            @Override
            public List<String> classNames() {
                return data.classNames();
            }

            @Override
            public int read(float[] x, int[] labels, int maxRows) {
                RowSource.checkBatch(x, labels, maxRows, data.features());
                int m = Math.min(maxRows, data.rows() - next);
                System.arraycopy(data.x(), next * data.features(), x, 0, m * data.features());
                System.arraycopy(data.labels(), next, labels, 0, m);
                next += m;
                return m;
            }

            @Override
            public void close() {
            }
        };
    }
}
