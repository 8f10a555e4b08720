package dev.softmaxengine.spark;

import dev.softmaxengine.models.sequence.HmmTagger;
import dev.softmaxengine.models.sequence.LinearChainCrf;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tags sentences on the executors with a saved {@link HmmTagger} or {@link LinearChainCrf}: a
 * tokens column ({@code array<string>}) gets a tags column ({@code array<string>}, same lengths),
 * the Viterbi path of each sentence. A CRF whose template observes POS also reads a POS column
 * ({@code array<string>}, one tag per token). The model travels as its file's bytes, once per
 * stage, and is loaded once per executor JVM ({@link ExecutorKernels}); each task tags
 * {@link #batchRows} sentences per call on the kernel of the backend chosen as for
 * {@link ClassifierScorer}.
 *
 * <p>A null tokens (or needed POS) value gives a null output; a null element, or a POS value of
 * another length than its tokens, fails the task with an {@link IllegalArgumentException} naming
 * the column, the row and the partition.
 *
 * <pre>{@code
 * Dataset<Row> tagged = TokenTagger.load(Path.of("pos.smx")).tokensCol("words").transform(sentences);
 * }</pre>
 */
public final class TokenTagger {
    private final SavedModel model;
    private final boolean needsPos;
    private String tokensCol = "tokens";
    private String posCol = "pos";
    private String outputCol = "tags";
    private int batchRows = ClassifierScorer.DEFAULT_BATCH_ROWS;
    private String backend;

    private TokenTagger(SavedModel model) {
        this.model = model;
        // Parsed once on the driver, so that a bad file fails here and not in every task.
        this.needsPos = TaggingModel.read(model.bytes()).needsPos();
    }

    /** A tagger of the model saved at {@code modelFile}. */
    public static TokenTagger load(Path modelFile) {
        return new TokenTagger(SavedModel.read(modelFile));
    }

    /** A tagger of the model file in {@code modelBytes}. */
    public static TokenTagger load(byte[] modelBytes) {
        return new TokenTagger(SavedModel.of(modelBytes));
    }

    public static TokenTagger of(HmmTagger tagger) {
        if (tagger == null) {
            throw new IllegalArgumentException("tagger must not be null");
        }
        return new TokenTagger(saved(tagger::save));
    }

    public static TokenTagger of(LinearChainCrf crf) {
        if (crf == null) {
            throw new IllegalArgumentException("crf must not be null");
        }
        return new TokenTagger(saved(crf::save));
    }

    private interface Saver {
        void save(Path path) throws IOException;
    }

    /** The model's file bytes, through a temporary file (the models write paths only). */
    private static SavedModel saved(Saver saver) {
        try {
            Path tmp = Files.createTempFile("softmax-engine-tagger-", ".smx");
            try {
                saver.save(tmp);
                return SavedModel.of(Files.readAllBytes(tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize the tagger: " + e.getMessage(), e);
        }
    }

    /** Whether the model reads {@link #posCol}. */
    public boolean needsPos() {
        return needsPos;
    }

    /** The input {@code array<string>} column of tokens. Default {@code tokens}. */
    public TokenTagger tokensCol(String name) {
        this.tokensCol = columnName(name, "tokensCol");
        return this;
    }

    /** The input {@code array<string>} column of POS tags, read only by a CRF that observes them. Default {@code pos}. */
    public TokenTagger posCol(String name) {
        this.posCol = columnName(name, "posCol");
        return this;
    }

    /** The output {@code array<string>} column of tags. Default {@code tags}. */
    public TokenTagger outputCol(String name) {
        this.outputCol = columnName(name, "outputCol");
        return this;
    }

    private static String columnName(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a non-empty column name, was '" + name + "'");
        }
        return name;
    }

    /** Sentences per tagging call. Default {@value ClassifierScorer#DEFAULT_BATCH_ROWS}. */
    public TokenTagger batchRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("batchRows must be >= 1, was " + rows);
        }
        this.batchRows = rows;
        return this;
    }

    /** The executors' backend, overriding {@value ExecutorKernels#BACKEND_CONF}. */
    public TokenTagger backend(String name) {
        this.backend = ExecutorKernels.normalize(name);
        return this;
    }

    /** The output schema: {@code input} plus the tags column. */
    public StructType transformSchema(StructType input) {
        requireStrings(input, tokensCol, "tokens");
        if (needsPos) {
            requireStrings(input, posCol, "pos");
        }
        FeatureColumn.requireAbsent(input, outputCol, "outputCol");
        return input.add(outputCol, DataTypes.createArrayType(DataTypes.StringType, false), true);
    }

    private static void requireStrings(StructType schema, String name, String role) {
        DataType t = FeatureColumn.field(schema, name, role).dataType();
        if (!(t instanceof ArrayType a && a.elementType().equals(DataTypes.StringType))) {
            throw new IllegalArgumentException(role + " column '" + name + "' has type " + t.simpleString()
                    + "; it must be array<string>");
        }
    }

    /** {@code data} with the tags column, computed lazily on the executors. */
    public Dataset<Row> transform(Dataset<Row> data) {
        StructType out = transformSchema(data.schema());
        StructType in = data.schema();
        TagFunction f = new TagFunction(model, ExecutorKernels.resolve(backend, data.sparkSession()), tokensCol,
                in.fieldIndex(tokensCol), needsPos ? posCol : null, needsPos ? in.fieldIndex(posCol) : -1, batchRows);
        return InternalRows.mapPartitions(data, f, out);
    }

    @Override
    public String toString() {
        return "TokenTagger[" + model + ", " + tokensCol + (needsPos ? " + " + posCol : "") + " -> " + outputCol + "]";
    }
}
