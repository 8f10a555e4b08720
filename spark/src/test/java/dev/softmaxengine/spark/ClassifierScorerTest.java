package dev.softmaxengine.spark;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.models.BatchScorer;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.bayes.GaussianNaiveBayes;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.linear.LinearTrainer;
import dev.softmaxengine.models.linear.SoftmaxRegression;
import dev.softmaxengine.testkit.TestSeed;

import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link ClassifierScorer} on local[2] against the model's float64 probabilities in this JVM on the
 * fp64 oracle kernel, on the real digits data tiled and perturbed to more than 100,000 rows.
 */
class ClassifierScorerTest {
    /** Digits repeated this many times: 56 x 1797 = 100,632 rows. */
    private static final int TILES = 56;

    private static SparkSession spark;
    private static SoftmaxRegression model;
    private static Dataset rows;
    /** The single-JVM scorer's results on {@link #rows}. */
    private static Reference reference;
    private static Tolerance tolerance;

    /** Probabilities (rows x classes) and predictions of the single-JVM scorer. */
    private record Reference(int classes, double[] p, int[] predicted) {
    }

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTests.session("ClassifierScorerTest");
        Dataset digits = SparkTests.digits();
        try (ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel()) {
            SoftmaxRegression trained = new LinearTrainer(ExecutorKernels.kernel("auto")).maxIterations(60)
                    .softmax(digits).model();
            model = new SoftmaxRegression(oracle, trained.weights(), trained.bias(), trained.classNames());
            rows = perturbedTiles(digits, TILES, TestSeed.random("ClassifierScorerTest.tiles"));
            reference = reference(model, rows);
        }
        // The executors' kernel (local mode: this JVM's). Its fp64 softmax bound, plus the rounding of
        // the output to float32 (2^-24 relative; subnormals to Float.MIN_VALUE) and 1e-9 for the
        // GEMM's summation order (ulps of fp64 scores of |s| < 1e3).
        Tolerance kernel = ExecutorKernels.kernel("auto").tolerance(Op.SOFTMAX, DType.FLOAT64);
        tolerance = new Tolerance(kernel.rtol() + 0x1p-24 + 1e-9, kernel.atol() + Float.MIN_VALUE);
        System.out.println("ClassifierScorerTest: " + rows + ", executor kernel "
                + ExecutorKernels.kernel("auto").backend() + ", compared within " + tolerance);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /**
     * The model's own float64 probabilities in this JVM, what the executors compute (BatchModel).
     * Not {@link BatchScorer}'s: {@code models score} scores in float32 (the float32 GEMM), which
     * agrees only within the float32 bound.
     */
    private static Reference reference(Classifier classifier, Dataset data) {
        int k = classifier.classes();
        int n = data.rows();
        Reference r = new Reference(k, new double[n * k], new int[n]);
        classifier.probabilities(data.x(), 0, n, r.p());
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (r.p()[i * k + c] > r.p()[i * k + best]) {
                    best = c;
                }
            }
            r.predicted()[i] = best;
        }
        return r;
    }

    /** {@code tiles} copies of {@code data}, each pixel moved by N(0, 1) and clamped to the digits' [0, 16]. */
    private static Dataset perturbedTiles(Dataset data, int tiles, SplittableRandom random) {
        int d = data.features();
        float[] x = new float[data.rows() * tiles * d];
        int[] labels = new int[data.rows() * tiles];
        for (int t = 0; t < tiles; t++) {
            for (int i = 0; i < data.rows(); i++) {
                int r = t * data.rows() + i;
                labels[r] = data.labels()[i];
                for (int j = 0; j < d; j++) {
                    double v = data.x()[i * d + j] + gaussian(random);
                    x[r * d + j] = (float) Math.max(0, Math.min(16, v));
                }
            }
        }
        return new Dataset(x, labels, d, data.classNames());
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian.
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static org.apache.spark.sql.Dataset<Row> frame(int n, DataType type, Function<float[], Object> value,
                                                           int partitions) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false).add("features", type, true);
        int d = rows.features();
        List<Row> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(RowFactory.create(i, value.apply(Arrays.copyOfRange(rows.x(), i * d, (i + 1) * d))));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(list, partitions), schema);
    }

    private static Vector dense(float[] x) {
        double[] v = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            v[j] = x[j];
        }
        return Vectors.dense(v);
    }

    private static List<Row> score(ClassifierScorer scorer, org.apache.spark.sql.Dataset<Row> frame) {
        return scorer.transform(frame).select("id", "probabilities", "prediction").orderBy("id").collectAsList();
    }

    private static void assertMatchesReference(List<Row> scored, int n) {
        assertMatchesReference(scored, n, reference);
    }

    /** Each row's probabilities within {@link #tolerance} of the reference, and the same class unless the top two are within it. */
    private static void assertMatchesReference(List<Row> scored, int n, Reference expected) {
        int k = expected.classes();
        double[] referenceP = expected.p();
        int[] referencePredicted = expected.predicted();
        assertEquals(n, scored.size());
        int ties = 0;
        for (Row r : scored) {
            int i = r.getInt(0);
            List<Float> p = r.getList(1);
            assertEquals(k, p.size(), "row " + i);
            for (int c = 0; c < k; c++) {
                double ref = referenceP[i * k + c];
                if (!tolerance.accepts(p.get(c), ref)) {
                    fail("row " + i + " class " + c + ": " + p.get(c) + " vs single-JVM " + ref + ", bound " + tolerance);
                }
            }
            int predicted = r.getInt(2);
            int single = referencePredicted[i];
            if (predicted != single) {
                double a = referenceP[i * k + predicted];
                double b = referenceP[i * k + single];
                assertTrue(Math.abs(a - b) <= tolerance.atol() + tolerance.rtol() * Math.abs(b),
                        "row " + i + ": predicted " + predicted + " (p " + a + "), single-JVM " + single + " (p " + b + ")");
                ties++;
            }
        }
        System.out.println("rows whose prediction differs on a tie within the bound: " + ties);
    }

    @Test
    void matchesTheSingleJvmScorerOnMoreThan100kRows() {
        int n = rows.rows();
        assertTrue(n >= 100_000);
        List<Row> scored = score(ClassifierScorer.of(model), frame(n, SQLDataTypes.VectorType(), ClassifierScorerTest::dense, 6));
        assertMatchesReference(scored, n);
        long correct = scored.stream().filter(r -> r.getInt(2) == rows.labels()[r.getInt(0)]).count();
        assertTrue(correct > 0.8 * n, "accuracy on perturbed digits " + (double) correct / n);
    }

    @Test
    void otherClassifiersScoreThroughTheirOwnScores() throws IOException {
        int n = 3000;
        try (ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel()) {
            Classifier bayes = GaussianNaiveBayes.fit(oracle, SparkTests.digits(), 1e-9);
            List<Row> scored = score(ClassifierScorer.of(bayes), frame(n, SQLDataTypes.VectorType(),
                    ClassifierScorerTest::dense, 3));
            assertMatchesReference(scored, n, reference(bayes, rows.head(n)));
        }
    }

    @Test
    void arrayAndSparseColumnsScoreAsDenseVectors() {
        int n = 3000;
        ClassifierScorer scorer = ClassifierScorer.of(model);
        assertMatchesReference(score(scorer, frame(n, DataTypes.createArrayType(DataTypes.FloatType),
                x -> x, 3)), n);
        assertMatchesReference(score(scorer, frame(n, DataTypes.createArrayType(DataTypes.DoubleType),
                x -> dense(x).toArray(), 3)), n);
        assertMatchesReference(score(scorer, frame(n, SQLDataTypes.VectorType(), x -> dense(x).toSparse(), 3)), n);
    }

    @Test
    void batchSizeDoesNotChangeResults() {
        int n = 2000;
        org.apache.spark.sql.Dataset<Row> f = frame(n, SQLDataTypes.VectorType(), ClassifierScorerTest::dense, 3);
        List<Row> a = score(ClassifierScorer.of(model).batchRows(7), f);
        List<Row> b = score(ClassifierScorer.of(model), f);
        for (int i = 0; i < n; i++) {
            assertEquals(b.get(i).getList(1), a.get(i).getList(1), "row " + i);
            assertEquals(b.get(i).getInt(2), a.get(i).getInt(2), "row " + i);
        }
    }

    @Test
    void nullFeaturesGiveNullOutputs() {
        int n = 50;
        org.apache.spark.sql.Dataset<Row> f = frame(n, SQLDataTypes.VectorType(), x -> null, 2)
                .union(frame(n, SQLDataTypes.VectorType(), ClassifierScorerTest::dense, 2));
        List<Row> scored = ClassifierScorer.of(model).batchRows(16).transform(f)
                .select("id", "features", "probabilities", "prediction").collectAsList();
        assertEquals(2 * n, scored.size());
        int nulls = 0;
        for (Row r : scored) {
            if (r.isNullAt(1)) {
                nulls++;
                assertTrue(r.isNullAt(2) && r.isNullAt(3), "row " + r.getInt(0) + " has null features but outputs " + r);
            } else {
                assertFalse(r.isNullAt(2) || r.isNullAt(3), "row " + r.getInt(0) + " was not scored: " + r);
            }
        }
        assertEquals(n, nulls);
    }

    @Test
    void wrongLengthFailsNamingTheRow() {
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType(), true);
        List<Row> list = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            list.add(RowFactory.create(Vectors.dense(new double[i == 3 ? 63 : 64])));
        }
        org.apache.spark.sql.Dataset<Row> f = spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(list, 1), schema);
        String message = rootMessage(assertThrows(SparkException.class,
                () -> ClassifierScorer.of(model).transform(f).collectAsList()));
        assertEquals("features column 'features' of row 3 of partition 0 has 63 values, the model reads 64", message);
    }

    @Test
    void nullElementFailsNamingTheRowAndElement() {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, true), true);
        Float[] good = new Float[64];
        Arrays.fill(good, 1f);
        Float[] bad = good.clone();
        bad[5] = null;
        List<Row> list = List.of(RowFactory.create((Object) good), RowFactory.create((Object) bad));
        org.apache.spark.sql.Dataset<Row> f = spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(list, 1), schema);
        String message = rootMessage(assertThrows(SparkException.class,
                () -> ClassifierScorer.of(model).transform(f).collectAsList()));
        assertEquals("features column 'features' of row 1 of partition 0 has a null at element 5", message);
    }

    @Test
    void emptyPartitionsAndEmptyInputAreFine() {
        org.apache.spark.sql.Dataset<Row> few = frame(3, SQLDataTypes.VectorType(), ClassifierScorerTest::dense, 8);
        assertEquals(8, few.rdd().getNumPartitions());
        assertMatchesReference(score(ClassifierScorer.of(model), few), 3);
        org.apache.spark.sql.Dataset<Row> none = few.filter(col("id").lt(0));
        org.apache.spark.sql.Dataset<Row> scored = ClassifierScorer.of(model).transform(none);
        assertEquals(0, scored.count());
        assertEquals(List.of("id", "features", "probabilities", "prediction"), Arrays.asList(scored.columns()));
    }

    @Test
    void badSchemasFailOnTheDriver() {
        org.apache.spark.sql.Dataset<Row> f = frame(3, SQLDataTypes.VectorType(), ClassifierScorerTest::dense, 1);
        ClassifierScorer scorer = ClassifierScorer.of(model);
        assertEquals("features column 'x' is not in the schema [id, features]",
                assertThrows(IllegalArgumentException.class, () -> scorer.featuresCol("x").transform(f)).getMessage());
        assertEquals("features column 'id' has type int; it must be a Spark ML vector, array<float> or array<double>",
                assertThrows(IllegalArgumentException.class, () -> scorer.featuresCol("id").transform(f)).getMessage());
        scorer.featuresCol("features").predictionCol("id");
        assertEquals("predictionCol 'id' is already a column of the input; choose another name",
                assertThrows(IllegalArgumentException.class, () -> scorer.transform(f)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> scorer.batchRows(0));
        assertThrows(IllegalArgumentException.class, () -> ClassifierScorer.load(new byte[] {1, 2, 3}));
    }

    @Test
    void theBackendComesFromTheSparkConfUnlessSetOnTheScorer() {
        org.apache.spark.sql.Dataset<Row> f = frame(500, SQLDataTypes.VectorType(), ClassifierScorerTest::dense, 2);
        try {
            spark.conf().set(ExecutorKernels.BACKEND_CONF, "scalar");
            assertMatchesReference(score(ClassifierScorer.of(model), f), 500);
            spark.conf().set(ExecutorKernels.BACKEND_CONF, "no-such-backend");
            String message = assertThrows(IllegalArgumentException.class,
                    () -> ClassifierScorer.of(model).transform(f)).getMessage();
            assertTrue(message.startsWith(ExecutorKernels.BACKEND_CONF + "=no-such-backend: unknown backend"), message);
            assertMatchesReference(score(ClassifierScorer.of(model).backend("auto"), f), 500);
        } finally {
            spark.conf().unset(ExecutorKernels.BACKEND_CONF);
        }
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        assertTrue(c instanceof IllegalArgumentException, "root cause " + c);
        return c.getMessage();
    }
}
