package dev.softmaxengine.spark.examples;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.linear.LinearTrainer;
import dev.softmaxengine.models.linear.SoftmaxRegression;

import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes what {@link ScoreParquet} scores: trains a softmax regression on the training half of a
 * real data set ({@code DIR/model.smx}) and writes the other half, repeated, as Parquet
 * ({@code DIR/rows.parquet}, columns {@code label int, features vector}).
 */
@Command(name = "prepare-example", mixinStandardHelpOptions = true,
        description = "Train a softmax regression and write the held-out rows as Parquet.")
public final class PrepareExample implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "../shared/data/tabular/digits.csv.gz",
            description = "A tabular CSV (every 5th row held out) or a Fashion-MNIST directory. Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--out", required = true, description = "Directory for model.smx and rows.parquet.")
    Path out;

    @Option(names = "--repeat", defaultValue = "1", description = "Write the held-out rows this many times. Default: ${DEFAULT-VALUE}")
    int repeat;

    @Option(names = "--max-iterations", defaultValue = "200", description = "L-BFGS iterations. Default: ${DEFAULT-VALUE}")
    int maxIterations;

    @Option(names = "--master", description = "Spark master (default: spark.master, else local[*]).")
    String master;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PrepareExample()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Dataset.Split split = ExampleData.read(data);
        Files.createDirectories(out);
        Path model = out.resolve("model.smx");
        try (SoftmaxKernel kernel = Backends.create()) {
            LinearTrainer.Training<SoftmaxRegression> t = new LinearTrainer(kernel).maxIterations(maxIterations)
                    .softmax(split.train());
            t.model().save(model);
            System.out.printf("trained %s on %d rows in %.1f s (%s kernel) -> %s%n", t.model(), split.train().rows(),
                    t.seconds(), kernel.backend(), model);
        }
        SparkSession spark = ExampleData.session("softmax-engine prepare-example", master);
        try {
            Path rows = out.resolve("rows.parquet");
            ExampleData.rows(spark, split.test(), repeat).write().mode(SaveMode.Overwrite).parquet(rows.toString());
            System.out.printf("wrote %d rows (%d held-out rows x %d) -> %s%n", (long) split.test().rows() * repeat,
                    split.test().rows(), repeat, rows);
        } finally {
            spark.stop();
        }
        return 0;
    }
}
