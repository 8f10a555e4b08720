package dev.softmaxengine.spark;

import dev.softmaxengine.models.sequence.ChainInference;
import dev.softmaxengine.models.sequence.HiddenMarkovModel;
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
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HmmDecoder} on local[2] against the single-JVM {@link HiddenMarkovModel#viterbi} of the same model. */
class HmmDecoderTest {
    private static final int ROWS = 3000;
    private static final int STATES = 7;
    private static final int SYMBOLS = 30;

    private static SparkSession spark;
    private static HiddenMarkovModel hmm;
    private static int[][] sequences;

    @BeforeAll
    static void start() {
        spark = SparkTests.session("HmmDecoderTest");
        SplittableRandom random = TestSeed.random("HmmDecoderTest");
        hmm = HiddenMarkovModel.random(STATES, SYMBOLS, random);
        sequences = new int[ROWS][];
        for (int i = 0; i < ROWS; i++) {
            if (random.nextInt(40) == 0) {
                continue;
            }
            sequences[i] = random.ints(random.nextInt(0, 50), 0, SYMBOLS).toArray();
        }
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Dataset<Row> frame(List<Row> rows, int partitions) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, true), true);
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions),
                schema);
    }

    @Test
    void decodesAsTheSingleJvmViterbi() {
        List<Row> rows = new ArrayList<>();
        List<int[]> present = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(RowFactory.create(i, sequences[i]));
            if (sequences[i] != null) {
                present.add(sequences[i]);
            }
        }
        int[][] reference = hmm.viterbi(new ChainInference(ExecutorKernels.kernel("auto"), 1, 128),
                present.toArray(new int[0][]));
        List<Row> out = HmmDecoder.of(hmm).batchRows(100).transform(frame(rows, 4)).select("id", "states").orderBy("id")
                .collectAsList();
        assertEquals(ROWS, out.size());
        int j = 0;
        for (Row r : out) {
            int i = r.getInt(0);
            if (sequences[i] == null) {
                assertTrue(r.isNullAt(1), "row " + i);
                continue;
            }
            List<Integer> states = r.getList(1);
            assertArrayEquals(reference[j++], states.stream().mapToInt(Integer::intValue).toArray(), "row " + i);
        }
        assertEquals(present.size(), j);
    }

    @Test
    void aSymbolOutOfRangeFailsNamingTheRow() {
        List<Row> rows = List.of(RowFactory.create(0, new int[] {1, 2}), RowFactory.create(1, new int[] {3, SYMBOLS}));
        String message = ClassifierScorerTest.rootMessage(assertThrows(SparkException.class,
                () -> HmmDecoder.of(hmm).transform(frame(rows, 1)).collectAsList()));
        assertEquals("tokens column 'tokens' of row 1 of partition 0 has symbol 30 at element 1; the model's symbols are"
                + " [0, 30)", message);
    }

    @Test
    void aColumnOfAnotherTypeFailsOnTheDriver() {
        Dataset<Row> f = frame(List.of(RowFactory.create(0, new int[] {1})), 1);
        assertEquals("tokens column 'id' has type int; it must be array<int> of symbols in [0, 30)",
                assertThrows(IllegalArgumentException.class, () -> HmmDecoder.of(hmm).tokensCol("id").transform(f))
                        .getMessage());
    }
}
