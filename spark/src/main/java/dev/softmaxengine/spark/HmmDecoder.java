package dev.softmaxengine.spark;

import dev.softmaxengine.models.sequence.HiddenMarkovModel;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Viterbi tagging with a {@link HiddenMarkovModel} on the executors: a column of symbol sequences
 * ({@code array<int>}, symbols in {@code [0, symbols)}) gets a column of the most probable state
 * sequences ({@code array<int>}, same lengths). Each task decodes {@link #batchRows} sequences per
 * call of {@link HiddenMarkovModel#viterbi}, which sorts them by length into batches for the
 * kernel's max-product steps; the kernel and backend are chosen as for {@link ClassifierScorer}.
 *
 * <p>A null sequence gives a null output, an empty one an empty output; a null element or a
 * symbol outside the model's range fails the task with an {@link IllegalArgumentException} naming
 * the row and the element.
 */
public final class HmmDecoder {
    private final HmmParameters hmm;
    private String tokensCol = "tokens";
    private String outputCol = "states";
    private int batchRows = ClassifierScorer.DEFAULT_BATCH_ROWS;
    private String backend;

    private HmmDecoder(HmmParameters hmm) {
        this.hmm = hmm;
    }

    /** A decoder of {@code hmm}; each executor rebuilds it from its probabilities. */
    public static HmmDecoder of(HiddenMarkovModel hmm) {
        return new HmmDecoder(HmmParameters.of(hmm));
    }

    /** The input {@code array<int>} column of symbols. Default {@code tokens}. */
    public HmmDecoder tokensCol(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tokensCol must be a non-empty column name, was '" + name + "'");
        }
        this.tokensCol = name;
        return this;
    }

    /** The output {@code array<int>} column of states. Default {@code states}. */
    public HmmDecoder outputCol(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("outputCol must be a non-empty column name, was '" + name + "'");
        }
        this.outputCol = name;
        return this;
    }

    /** Sequences per Viterbi call. Default {@value ClassifierScorer#DEFAULT_BATCH_ROWS}. */
    public HmmDecoder batchRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("batchRows must be >= 1, was " + rows);
        }
        this.batchRows = rows;
        return this;
    }

    /** The executors' backend, overriding {@value ExecutorKernels#BACKEND_CONF}. */
    public HmmDecoder backend(String name) {
        this.backend = ExecutorKernels.normalize(name);
        return this;
    }

    /** The output schema: {@code input} plus the states column. */
    public StructType transformSchema(StructType input) {
        DataType t = FeatureColumn.field(input, tokensCol, "tokens").dataType();
        if (!(t instanceof ArrayType a && a.elementType().equals(DataTypes.IntegerType))) {
            throw new IllegalArgumentException("tokens column '" + tokensCol + "' has type " + t.simpleString()
                    + "; it must be array<int> of symbols in [0, " + hmm.symbols() + ")");
        }
        FeatureColumn.requireAbsent(input, outputCol, "outputCol");
        return input.add(outputCol, DataTypes.createArrayType(DataTypes.IntegerType, false), true);
    }

    /** {@code data} with the states column, computed lazily on the executors. */
    public Dataset<Row> transform(Dataset<Row> data) {
        StructType out = transformSchema(data.schema());
        HmmFunction f = new HmmFunction(hmm, ExecutorKernels.resolve(backend, data.sparkSession()), tokensCol,
                data.schema().fieldIndex(tokensCol), batchRows);
        return InternalRows.mapPartitions(data, f, out);
    }

    @Override
    public String toString() {
        return "HmmDecoder[" + hmm + ", " + tokensCol + " -> " + outputCol + "]";
    }
}
