package dev.softmaxengine.spark;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One op of the softmax family over each value of an {@code array<float>} or {@code array<double>}
 * column, computed on the executors' kernels a batch of rows per call: softmax, log-softmax and
 * hardmax along each array (an array of the same type and length), logsumexp of each array (a
 * {@code float} or {@code double}), sigmoid and log-sigmoid of each element. The precision is the
 * column's; the results are the kernel's, within its {@code tolerance(op, dtype)}.
 *
 * <p>Arrays may differ in length: consecutive rows of equal length go to the kernel together. A
 * null array gives a null output; an empty one an empty output (logsumexp: -infinity); an array
 * with a null element fails the task with an {@link IllegalArgumentException} naming the row and
 * the element. The kernel and backend are chosen as for {@link ClassifierScorer}.
 *
 * <pre>{@code
 * Dataset<Row> p = LogitsTransformer.softmax("logits").temperature(0.7).outputCol("p").transform(df);
 * }</pre>
 */
public final class LogitsTransformer {
    private final Op op;
    private final String inputCol;
    private String outputCol;
    private double temperature = 1.0;
    private int batchRows = ClassifierScorer.DEFAULT_BATCH_ROWS;
    private String backend;

    private LogitsTransformer(Op op, String inputCol) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        if (op == Op.ARGMAX) {
            throw new IllegalArgumentException("op argmax is not a column transform here; ClassifierScorer predicts"
                    + " classes, and hardmax gives the one-hot of the maximum");
        }
        if (op == Op.TOP_K || op == Op.SAMPLE) {
            throw new IllegalArgumentException("op " + op.cliName() + " is not a column transform here: it has two"
                    + " outputs of another shape; call SoftmaxKernel." + (op == Op.TOP_K ? "topK" : "sample")
                    + " on the rows");
        }
        if (inputCol == null || inputCol.isEmpty()) {
            throw new IllegalArgumentException("inputCol must be a non-empty column name, was '" + inputCol + "'");
        }
        this.op = op;
        this.inputCol = inputCol;
        this.outputCol = inputCol + "_" + op.cliName().replace('-', '_');
    }

    /** {@code op} (any of the family but argmax, top-k and sample) of column {@code inputCol}. */
    public static LogitsTransformer of(Op op, String inputCol) {
        return new LogitsTransformer(op, inputCol);
    }

    public static LogitsTransformer softmax(String inputCol) {
        return new LogitsTransformer(Op.SOFTMAX, inputCol);
    }

    public static LogitsTransformer logSoftmax(String inputCol) {
        return new LogitsTransformer(Op.LOG_SOFTMAX, inputCol);
    }

    public static LogitsTransformer logSumExp(String inputCol) {
        return new LogitsTransformer(Op.LOGSUMEXP, inputCol);
    }

    public static LogitsTransformer sigmoid(String inputCol) {
        return new LogitsTransformer(Op.SIGMOID, inputCol);
    }

    /** The output column. Default: the input's name, {@code _} and the op's ({@code logits_log_softmax}). */
    public LogitsTransformer outputCol(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("outputCol must be a non-empty column name, was '" + name + "'");
        }
        this.outputCol = name;
        return this;
    }

    /** softmax / log-softmax of {@code x / temperature}. Default 1. */
    public LogitsTransformer temperature(double t) {
        if (op != Op.SOFTMAX && op != Op.LOG_SOFTMAX) {
            throw new IllegalArgumentException("temperature applies to softmax and log-softmax, not " + op.cliName());
        }
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, was " + t);
        }
        this.temperature = t;
        return this;
    }

    /** Rows per kernel call (fewer when lengths change within a batch). Default {@value ClassifierScorer#DEFAULT_BATCH_ROWS}. */
    public LogitsTransformer batchRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("batchRows must be >= 1, was " + rows);
        }
        this.batchRows = rows;
        return this;
    }

    /** The executors' backend, overriding {@value ExecutorKernels#BACKEND_CONF}. */
    public LogitsTransformer backend(String name) {
        this.backend = ExecutorKernels.normalize(name);
        return this;
    }

    /** The output schema: {@code input} plus the output column. */
    public StructType transformSchema(StructType input) {
        DType dtype = dtypeOf(input);
        FeatureColumn.requireAbsent(input, outputCol, "outputCol");
        DataType element = dtype == DType.FLOAT32 ? DataTypes.FloatType : DataTypes.DoubleType;
        DataType out = op == Op.LOGSUMEXP ? element : DataTypes.createArrayType(element, false);
        return input.add(outputCol, out, true);
    }

    /** {@code data} with the output column, computed lazily on the executors. */
    public Dataset<Row> transform(Dataset<Row> data) {
        StructType in = data.schema();
        StructType out = transformSchema(in);
        String resolved = ExecutorKernels.resolve(backend, data.sparkSession());
        LogitsFunction f = new LogitsFunction(op, temperature, dtypeOf(in), inputCol, in.fieldIndex(inputCol), resolved,
                batchRows);
        return InternalRows.mapPartitions(data, f, out);
    }

    private DType dtypeOf(StructType schema) {
        DataType t = FeatureColumn.field(schema, inputCol, "input").dataType();
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
            return DType.FLOAT32;
        }
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
            return DType.FLOAT64;
        }
        throw new IllegalArgumentException("input column '" + inputCol + "' has type " + t.simpleString()
                + "; " + op.cliName() + " needs array<float> or array<double>");
    }

    @Override
    public String toString() {
        return "LogitsTransformer[" + op.cliName() + " of " + inputCol + " -> " + outputCol
                + (temperature != 1.0 ? ", T " + temperature : "") + "]";
    }
}
