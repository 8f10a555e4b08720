package dev.softmaxengine.spark.examples;

import dev.softmaxengine.spark.ClassifierScorer;
import dev.softmaxengine.spark.ExecutorKernels;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * Scores a Parquet file with a saved classifier on Spark ({@link ClassifierScorer}), writes the
 * scored rows as Parquet and prints the row count, the accuracy (when there is a label column) and
 * rows per second.
 */
@Command(name = "score-parquet", mixinStandardHelpOptions = true,
        description = "Score a Parquet file with a softmax-engine model on Spark.")
public final class ScoreParquet implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A model file (model.smx).")
    Path model;

    @Option(names = "--in", required = true, description = "The Parquet file or directory to score.")
    String in;

    @Option(names = "--out", required = true, description = "Where to write the scored rows (Parquet, overwritten).")
    String out;

    @Option(names = "--features-col", defaultValue = "features", description = "Default: ${DEFAULT-VALUE}")
    String featuresCol;

    @Option(names = "--label-col", defaultValue = "label",
            description = "Compare predictions with this column when it exists. Default: ${DEFAULT-VALUE}")
    String labelCol;

    @Option(names = "--batch-rows", defaultValue = "" + ClassifierScorer.DEFAULT_BATCH_ROWS,
            description = "Rows per kernel call. Default: ${DEFAULT-VALUE}")
    int batchRows;

    @Option(names = "--master", description = "Spark master (default: spark.master, else local[*]).")
    String master;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ScoreParquet()).execute(args));
    }

    @Override
    public Integer call() {
        SparkSession spark = ExampleData.session("softmax-engine score-parquet", master);
        try {
            ClassifierScorer scorer = ClassifierScorer.load(model).featuresCol(featuresCol).batchRows(batchRows);
            Dataset<Row> rows = spark.read().parquet(in);
            boolean labelled = Arrays.asList(rows.columns()).contains(labelCol);
            Dataset<Row> scored = scorer.transform(rows);
            Dataset<Row> kept = labelled ? scored.select(col(labelCol), col("prediction"), col("probabilities"))
                    : scored.drop(featuresCol);
            long start = System.nanoTime();
            kept.write().mode(SaveMode.Overwrite).parquet(out);
            double seconds = (System.nanoTime() - start) / 1e9;

            Dataset<Row> written = spark.read().parquet(out);
            long n;
            String accuracy = "";
            if (labelled) {
                Row r = written.agg(count("*"), sum(when(col("prediction").equalTo(col(labelCol)), 1).otherwise(0)))
                        .first();
                n = r.getLong(0);
                accuracy = String.format(", accuracy %.4f", n == 0 ? Double.NaN : (double) r.getLong(1) / n);
            } else {
                n = written.count();
            }
            System.out.printf("scored %d rows with %s, %s=%s, in %.2f s (%.0f rows/s, reading and writing"
                    + " Parquet included)%s -> %s%n", n, scorer, ExecutorKernels.BACKEND_CONF,
                    spark.conf().get(ExecutorKernels.BACKEND_CONF, "auto"), seconds, n / seconds, accuracy, out);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
