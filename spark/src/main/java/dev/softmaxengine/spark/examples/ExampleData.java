package dev.softmaxengine.spark.examples;

import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.FashionMnist;
import dev.softmaxengine.models.data.TabularCsv;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The examples' data: a real labelled set, split for training and scoring, as Spark rows. */
public final class ExampleData {
    /** Columns of the rows the examples write and score. */
    public static final StructType SCHEMA = new StructType()
            .add("label", DataTypes.IntegerType, false)
            .add("features", SQLDataTypes.VectorType(), false);

    private ExampleData() {
    }

    /**
     * The training and scoring halves of {@code data}: a directory is Fashion-MNIST in IDX files
     * (train / t10k), a file is a tabular CSV ({@link TabularCsv}) split by holding out every 5th row.
     */
    public static Dataset.Split read(Path data) throws IOException {
        if (Files.isDirectory(data)) {
            return new Dataset.Split(FashionMnist.read(data, "train"), FashionMnist.read(data, "t10k"));
        }
        if (!Files.isRegularFile(data)) {
            throw new IOException("--data " + data + " is neither a CSV file nor a Fashion-MNIST directory");
        }
        return TabularCsv.read(data).holdOutEvery(5);
    }

    /** The rows of {@code data}, {@code repeat} times over, as {@link #SCHEMA} rows. */
    public static org.apache.spark.sql.Dataset<Row> rows(SparkSession spark, Dataset data, int repeat) {
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat must be >= 1, was " + repeat);
        }
        int d = data.features();
        float[] x = data.x();
        List<Row> rows = new ArrayList<>(data.rows());
        for (int i = 0; i < data.rows(); i++) {
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                v[j] = x[i * d + j];
            }
            rows.add(RowFactory.create(data.labels()[i], Vectors.dense(v)));
        }
        org.apache.spark.sql.Dataset<Row> base = spark.createDataFrame(rows, SCHEMA);
        return repeat == 1 ? base : base.crossJoin(spark.range(repeat)).drop("id");
    }

    /** A session logging warnings and errors only; local unless a master is set ({@code spark-submit} sets {@code spark.master}). */
    public static SparkSession session(String appName, String master) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (master != null) {
            b.master(master);
        } else if (System.getProperty("spark.master") == null) {
            b.master("local[*]");
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }
}
