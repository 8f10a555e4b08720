package dev.softmaxengine.spark.examples;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.linear.LinearTrainer;
import dev.softmaxengine.models.linear.SoftmaxRegression;
import dev.softmaxengine.spark.ClassifierScorer;

import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import static org.apache.spark.sql.functions.col;

/**
 * Throughput of {@link ClassifierScorer} against Spark MLlib's multinomial
 * {@link LogisticRegressionModel#transform} on the same cached rows, in the same session, with the
 * same weights (MLlib's model is built from ours). Each run writes every output column to Spark's
 * {@code noop} sink, so nothing is pruned and nothing is stored; runs of the scorers alternate.
 * MLlib is measured twice: as configured by default (rawPrediction, probability and prediction
 * columns) and with {@code rawPredictionCol = ""}, which gives the same two outputs as ours.
 * The cached input written to the sink alone gives the floor: what reading the rows costs either
 * scorer. Reported: median rows per second (wall) and rows per CPU-second of the whole process (local mode
 * runs driver and executors in it).
 */
@Command(name = "mllib-comparison", mixinStandardHelpOptions = true,
        description = "Rows/s of softmax-engine on Spark against MLlib's LogisticRegressionModel.transform.")
public final class MllibComparison implements Callable<Integer> {
    /** The process's CPU time: on a shared machine rows per CPU-second are steadier than rows per second. */
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    @Option(names = "--data", defaultValue = "../shared/data/tabular/digits.csv.gz",
            description = "A tabular CSV or a Fashion-MNIST directory. Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--rows", defaultValue = "1000000", description = "Rows to score (held-out rows repeated). Default: ${DEFAULT-VALUE}")
    long rows;

    @Option(names = "--partitions", defaultValue = "8", description = "Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--reps", defaultValue = "5", description = "Timed runs of each scorer. Default: ${DEFAULT-VALUE}")
    int reps;

    @Option(names = "--batch-rows", defaultValue = "" + ClassifierScorer.DEFAULT_BATCH_ROWS, split = ",",
            description = "Batch sizes of softmax-engine to time (comma-separated); the first one is compared. Default: ${DEFAULT-VALUE}")
    int[] batchRows;

    @Option(names = "--max-iterations", defaultValue = "100", description = "L-BFGS iterations to train the model. Default: ${DEFAULT-VALUE}")
    int maxIterations;

    @Option(names = "--master", description = "Spark master (default: spark.master, else local[*]).")
    String master;

    public static void main(String[] args) {
        System.exit(new CommandLine(new MllibComparison()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Dataset.Split split = ExampleData.read(data);
        SoftmaxRegression model;
        try (SoftmaxKernel kernel = Backends.create()) {
            model = new LinearTrainer(kernel).maxIterations(maxIterations).softmax(split.train()).model();
        }
        int k = model.classes();
        int d = model.features();
        SparkSession spark = ExampleData.session("softmax-engine mllib-comparison", master);
        try {
            int repeat = (int) Math.ceil((double) rows / split.test().rows());
            org.apache.spark.sql.Dataset<Row> input = ExampleData.rows(spark, split.test(), repeat)
                    .limit((int) Math.min(rows, Integer.MAX_VALUE)).repartition(partitions)
                    .persist(StorageLevel.MEMORY_ONLY());
            long n = input.count();

            ClassifierScorer ours = ClassifierScorer.of(model).batchRows(batchRows[0]);
            // Row-major K x d, as ours; isTransposed = true says so.
            LogisticRegressionModel mllib = new LogisticRegressionModel("softmax-engine-weights",
                    new DenseMatrix(k, d, model.weights(), true), Vectors.dense(model.bias()), k, true);
            mllib.setFeaturesCol("features").setPredictionCol("mllib_prediction").setProbabilityCol("mllib_probability");

            org.apache.spark.sql.Dataset<Row> both = mllib.transform(ours.transform(input));
            long disagree = both.filter(col("prediction").cast("double").notEqual(col("mllib_prediction"))).count();
            System.out.printf("%s, %s, %d rows in %d partitions, master %s; predictions differing from MLlib's: %d%n",
                    split.test(), model, n, input.rdd().getNumPartitions(), spark.sparkContext().master(), disagree);

            List<Run> runs = new ArrayList<>();
            for (int b : batchRows) {
                ClassifierScorer scorer = ClassifierScorer.of(model).batchRows(b);
                runs.add(new Run("softmax-engine ClassifierScorer, batches of " + b, () -> scorer.transform(input)));
            }
            runs.addAll(List.of(
                    new Run("MLlib transform (rawPrediction, probability, prediction)",
                            () -> mllib.copy(mllib.extractParamMap()).setRawPredictionCol("mllib_raw").transform(input)),
                    new Run("MLlib transform, rawPredictionCol=\"\" (probability, prediction)",
                            () -> mllib.copy(mllib.extractParamMap()).setRawPredictionCol("").transform(input)),
                    new Run("the cached input alone to the noop sink (the floor of both)", () -> input)));
            int firstMllib = batchRows.length;
            double[][] wall = new double[runs.size()][reps];
            double[][] cpu = new double[runs.size()][reps];
            for (Run r : runs) {
                sink(r.plan().get()); // warm-up: JIT, and the first kernel and model load on each executor
            }
            for (int rep = 0; rep < reps; rep++) {
                for (int s = 0; s < runs.size(); s++) {
                    long c0 = OS.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    sink(runs.get(s).plan().get());
                    wall[s][rep] = n / ((System.nanoTime() - t0) / 1e9);
                    cpu[s][rep] = n / ((OS.getProcessCpuTime() - c0) / 1e9);
                }
            }
            double[] wallMedian = new double[runs.size()];
            double[] cpuMedian = new double[runs.size()];
            for (int s = 0; s < runs.size(); s++) {
                wallMedian[s] = median(wall[s]);
                cpuMedian[s] = median(cpu[s]);
                System.out.printf("%-66s %,11.0f rows/s (best %,11.0f), %,11.0f rows per CPU-second%n", runs.get(s).name(),
                        wallMedian[s], Arrays.stream(wall[s]).max().orElseThrow(), cpuMedian[s]);
            }
            System.out.printf("softmax-engine / MLlib default: %.2fx rows/s, %.2fx rows per CPU-s;"
                    + " / MLlib same outputs: %.2fx rows/s, %.2fx rows per CPU-s (medians of %d runs)%n",
                    wallMedian[0] / wallMedian[firstMllib], cpuMedian[0] / cpuMedian[firstMllib],
                    wallMedian[0] / wallMedian[firstMllib + 1], cpuMedian[0] / cpuMedian[firstMllib + 1], reps);
            input.unpersist();
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** One scorer under test: its name and a fresh plan of its output for each run. */
    private record Run(String name, Supplier<org.apache.spark.sql.Dataset<Row>> plan) {
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void sink(org.apache.spark.sql.Dataset<Row> scored) {
        scored.write().format("noop").mode("overwrite").save();
    }
}
