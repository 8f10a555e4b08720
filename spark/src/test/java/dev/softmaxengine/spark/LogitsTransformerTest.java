package dev.softmaxengine.spark;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.testkit.TestSeed;

import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link LogitsTransformer} on local[2]: every op on float and double columns of ragged arrays
 * (with empty arrays and null rows) against the fp64 oracle, within the executor kernel's bound.
 */
class LogitsTransformerTest {
    private static final int ROWS = 3000;
    private static final Op[] OPS = {Op.SOFTMAX, Op.LOG_SOFTMAX, Op.LOGSUMEXP, Op.SIGMOID, Op.LOG_SIGMOID, Op.HARDMAX};

    private static SparkSession spark;
    private static final ScalarSoftmaxKernel ORACLE = new ScalarSoftmaxKernel();
    /** Row i's logits (null for a null row), in float64; float32 columns hold them rounded. */
    private static double[][] logits;

    @BeforeAll
    static void start() {
        spark = SparkTests.session("LogitsTransformerTest");
        SplittableRandom random = TestSeed.random("LogitsTransformerTest.logits");
        logits = new double[ROWS][];
        for (int i = 0; i < ROWS; i++) {
            if (random.nextInt(50) == 0) {
                continue;
            }
            // Runs of equal lengths, as logits of a fixed width come, broken by ragged stretches and empties.
            int n = (i / 100) % 3 == 0 ? random.nextInt(0, 40) : 10 + (i / 300) % 4;
            double scale = Math.pow(10, random.nextInt(-1, 3));
            logits[i] = new double[n];
            for (int j = 0; j < n; j++) {
                logits[i][j] = scale * (2 * random.nextDouble() - 1);
            }
        }
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Dataset<Row> frame(boolean f32) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("logits", DataTypes.createArrayType(f32 ? DataTypes.FloatType : DataTypes.DoubleType, false), true);
        List<Row> rows = new ArrayList<>(ROWS);
        for (int i = 0; i < ROWS; i++) {
            Object v = null;
            if (logits[i] != null) {
                v = f32 ? toFloats(logits[i]) : logits[i];
            }
            rows.add(RowFactory.create(i, v));
        }
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 5), schema);
    }

    private static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            f[j] = (float) x[j];
        }
        return f;
    }

    /** The oracle's {@code op} of one row, from the values the column holds. */
    private static double[] reference(Op op, double[] x, boolean f32, double temperature) {
        double[] in = f32 ? Arrays.stream(x).map(v -> (float) v).toArray() : x.clone();
        Tensor t = Tensor.of(in, 1, in.length);
        switch (op) {
            case SOFTMAX -> ORACLE.softmax(t, t, -1, temperature);
            case LOG_SOFTMAX -> ORACLE.logSoftmax(t, t, -1, temperature);
            case HARDMAX -> ORACLE.hardmax(t, t, -1);
            case SIGMOID -> ORACLE.sigmoid(t, t);
            case LOG_SIGMOID -> ORACLE.logSigmoid(t, t);
            case LOGSUMEXP -> {
                double[] lse = new double[1];
                ORACLE.logSumExp(t, Tensor.of(lse, 1), -1, false);
                return lse;
            }
            default -> throw new IllegalArgumentException(op.toString());
        }
        return in;
    }

    private static void check(Op op, boolean f32, double temperature) {
        LogitsTransformer t = LogitsTransformer.of(op, "logits").outputCol("out").batchRows(97);
        if (temperature != 1.0) {
            t.temperature(temperature);
        }
        Tolerance bound = ExecutorKernels.kernel("auto").tolerance(op, f32 ? DType.FLOAT32 : DType.FLOAT64);
        List<Row> out = t.transform(frame(f32)).select("id", "out").orderBy("id").collectAsList();
        assertEquals(ROWS, out.size());
        for (Row r : out) {
            int i = r.getInt(0);
            String where = op.cliName() + (f32 ? " float" : " double") + " T " + temperature + " row " + i;
            if (logits[i] == null) {
                assertTrue(r.isNullAt(1), where + " should be null, was " + r);
                continue;
            }
            double[] ref = reference(op, logits[i], f32, temperature);
            double[] got;
            if (op == Op.LOGSUMEXP) {
                got = new double[] {f32 ? r.getFloat(1) : r.getDouble(1)};
            } else {
                List<?> values = r.getList(1);
                got = values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
            }
            assertEquals(ref.length, got.length, where);
            for (int j = 0; j < ref.length; j++) {
                if (!bound.accepts(got[j], ref[j])) {
                    fail(where + " element " + j + ": " + got[j] + " vs oracle " + ref[j] + ", bound " + bound);
                }
            }
        }
    }

    @Test
    void everyOpOnFloatColumnsMatchesTheOracle() {
        for (Op op : OPS) {
            check(op, true, 1.0);
        }
        check(Op.SOFTMAX, true, 0.7);
        check(Op.LOG_SOFTMAX, true, 3.0);
    }

    @Test
    void everyOpOnDoubleColumnsMatchesTheOracle() {
        for (Op op : OPS) {
            check(op, false, 1.0);
        }
        check(Op.SOFTMAX, false, 0.7);
    }

    @Test
    void aNullElementFailsNamingTheRow() {
        StructType schema = new StructType().add("logits", DataTypes.createArrayType(DataTypes.DoubleType, true), true);
        List<Row> rows = List.of(RowFactory.create((Object) new Double[] {1.0, 2.0}),
                RowFactory.create((Object) new Double[] {1.0, null, 3.0}));
        Dataset<Row> f = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 1),
                schema);
        String message = ClassifierScorerTest.rootMessage(assertThrows(SparkException.class,
                () -> LogitsTransformer.softmax("logits").transform(f).collectAsList()));
        assertEquals("input column 'logits' of row 1 of partition 0 has a null at element 1", message);
    }

    @Test
    void badArgumentsFailOnTheDriver() {
        Dataset<Row> f = frame(true);
        assertEquals("input column 'id' has type int; softmax needs array<float> or array<double>",
                assertThrows(IllegalArgumentException.class, () -> LogitsTransformer.softmax("id").transform(f)).getMessage());
        assertEquals("outputCol 'id' is already a column of the input; choose another name",
                assertThrows(IllegalArgumentException.class,
                        () -> LogitsTransformer.sigmoid("logits").outputCol("id").transform(f)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LogitsTransformer.sigmoid("logits").temperature(2));
        assertThrows(IllegalArgumentException.class, () -> LogitsTransformer.softmax("logits").temperature(0));
        assertThrows(IllegalArgumentException.class, () -> LogitsTransformer.of(Op.ARGMAX, "logits"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LogitsTransformer.of(Op.TOP_K, "logits"))
                .getMessage().startsWith("op top-k is not a column transform here"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LogitsTransformer.of(Op.SAMPLE, "logits"))
                .getMessage().startsWith("op sample is not a column transform here"));
        assertEquals(List.of("id", "logits", "logits_log_softmax"),
                Arrays.asList(LogitsTransformer.logSoftmax("logits").transform(f).columns()));
    }
}
