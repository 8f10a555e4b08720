package dev.softmaxengine.spark;

import dev.softmaxengine.models.sequence.ChainInference;
import dev.softmaxengine.models.sequence.Conll2000;
import dev.softmaxengine.models.sequence.ConllSentence;
import dev.softmaxengine.models.sequence.CrfTrainer;
import dev.softmaxengine.models.sequence.FeatureTemplate;
import dev.softmaxengine.models.sequence.HmmTagger;
import dev.softmaxengine.models.sequence.LinearChainCrf;

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

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TokenTagger} on local[2] against single-JVM tagging of CoNLL-2000 test sentences with the same model. */
class TokenTaggerTest {
    private static final int SENTENCES = 400;
    /** Every this-many-th row has null tokens. */
    private static final int NULL_EVERY = 25;

    private static SparkSession spark;
    private static ChainInference inference;
    private static List<ConllSentence> train;
    private static List<ConllSentence> test;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTests.session("TokenTaggerTest");
        inference = new ChainInference(ExecutorKernels.kernel("auto"), 1, ChainInference.DEFAULT_BATCH_SIZE);
        train = Conll2000.train().subList(0, 300);
        test = Conll2000.test().subList(0, SENTENCES);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Dataset<Row> frame(List<Row> rows, int partitions) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("tokens", DataTypes.createArrayType(DataTypes.StringType, true), true)
                .add("pos", DataTypes.createArrayType(DataTypes.StringType, true), true);
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions),
                schema);
    }

    private static Dataset<Row> testFrame() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < SENTENCES; i++) {
            ConllSentence s = test.get(i);
            rows.add(i % NULL_EVERY == 0 ? RowFactory.create(i, null, s.pos()) : RowFactory.create(i, s.words(), s.pos()));
        }
        return frame(rows, 3);
    }

    /** Checks the tags column against {@code reference}, which covers the rows whose tokens are not null. */
    private static void assertTagged(List<String[]> reference, Dataset<Row> tagged) {
        List<Row> out = tagged.select("id", "tags").orderBy("id").collectAsList();
        assertEquals(SENTENCES, out.size());
        int j = 0;
        for (Row r : out) {
            int i = r.getInt(0);
            if (i % NULL_EVERY == 0) {
                assertTrue(r.isNullAt(1), "row " + i);
                continue;
            }
            List<String> tags = r.getList(1);
            assertArrayEquals(reference.get(j++), tags.toArray(String[]::new), "row " + i);
        }
        assertEquals(reference.size(), j);
    }

    private static List<ConllSentence> present() {
        List<ConllSentence> out = new ArrayList<>();
        for (int i = 0; i < SENTENCES; i++) {
            if (i % NULL_EVERY != 0) {
                out.add(test.get(i));
            }
        }
        return out;
    }

    @Test
    void hmmTagsAsTheSingleJvmTagger() {
        HmmTagger tagger = HmmTagger.train(train.stream().map(ConllSentence::words).toList(),
                train.stream().map(ConllSentence::pos).toList(), HmmTagger.Options.defaults());
        List<String[]> reference = tagger.tag(inference, present().stream().map(ConllSentence::words).toList());
        TokenTagger t = TokenTagger.of(tagger).batchRows(64);
        assertFalse(t.needsPos());
        assertTagged(reference, t.transform(testFrame()));
    }

    @Test
    void crfChunksFromTokensAndPosAsTheSingleJvmModel() {
        LinearChainCrf crf = CrfTrainer.train(inference, FeatureTemplate.parse(FeatureTemplate.CHUNKING),
                train.stream().map(ConllSentence::words).toList(), train.stream().map(ConllSentence::pos).toList(),
                train.stream().map(ConllSentence::chunks).toList(), new CrfTrainer.Options(1.0, 10, 1e-7, 1), null).model();
        List<ConllSentence> present = present();
        List<String[]> reference = crf.tag(inference, present.stream().map(ConllSentence::words).toList(),
                present.stream().map(ConllSentence::pos).toList());
        TokenTagger t = TokenTagger.of(crf).batchRows(64);
        assertTrue(t.needsPos());
        assertTagged(reference, t.transform(testFrame()));

        Dataset<Row> mismatched = frame(List.of(RowFactory.create(0, new String[] {"a", "b"}, new String[] {"DT"})), 1);
        assertEquals("column 'pos' of row 0 of partition 0 has 1 tags for 2 tokens in 'tokens'",
                ClassifierScorerTest.rootMessage(assertThrows(SparkException.class,
                        () -> t.transform(mismatched).collectAsList())));
        assertEquals("pos column 'id' has type int; it must be array<string>",
                assertThrows(IllegalArgumentException.class, () -> t.posCol("id").transformSchema(mismatched.schema()))
                        .getMessage());
    }

    @Test
    void rejectsBytesThatAreNoTagger() {
        assertThrows(IllegalArgumentException.class, () -> TokenTagger.load(new byte[] {1, 2, 3}));
    }
}
