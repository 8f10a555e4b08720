package dev.softmaxengine.spark;

import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Classifiers;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Scores a {@code Dataset<Row>} with a saved {@link Classifier} on the executors: adds a
 * probabilities column ({@code array<float>}, one value per class, in the model's class order) and
 * a predicted-class column ({@code int}, the index of the most probable class, first on ties).
 *
 * <p>Each task reads its partition in batches of {@link #batchRows} rows: the scores of every 16
 * rows as they are read (the model's GEMM, while their features are in cache), then one kernel
 * call per batch for the softmax and one for the argmax over the classes ({@link BatchModel}),
 * on the executor's kernel of the backend named by {@link #backend}, else the session's
 * {@value ExecutorKernels#BACKEND_CONF}, else {@code auto}. The model and the kernel are made once
 * per executor JVM ({@link ExecutorKernels}); the model travels as its file's bytes, once per stage.
 * The columns are read from and written to Spark's internal rows ({@link InternalRows}), so the
 * result is a new DataFrame over the scored rows of {@code data}'s plan.
 *
 * <p>Rows: a null features value gives null outputs; a value of the wrong length (or an array
 * with a null element) fails the task with an {@link IllegalArgumentException} naming the
 * column, the row's index in its partition, the partition and the lengths. Probabilities are the
 * kernel's float64 softmax rounded to float32.
 *
 * <pre>{@code
 * Dataset<Row> scored = ClassifierScorer.load(Path.of("model.smx"))
 *         .featuresCol("features")
 *         .transform(spark.read().parquet("rows.parquet"));
 * }</pre>
 */
public final class ClassifierScorer {
    public static final int DEFAULT_BATCH_ROWS = 256;

    private final SavedModel model;
    private final int features;
    private final List<String> classNames;
    private String featuresCol = "features";
    private String probabilitiesCol = "probabilities";
    private String predictionCol = "prediction";
    private int batchRows = DEFAULT_BATCH_ROWS;
    private String backend;

    private ClassifierScorer(SavedModel model) {
        this.model = model;
        // Parsed once on the driver, so that a bad file fails here and not in every task.
        Classifier c;
        try {
            c = model.load(new ScalarSoftmaxKernel());
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("model is not a loadable classifier: " + e.getCause().getMessage(), e);
        }
        this.features = c.features();
        this.classNames = c.classNames();
    }

    /** A scorer of the classifier saved at {@code modelFile} (any kind {@link Classifiers#load} reads). */
    public static ClassifierScorer load(Path modelFile) {
        return new ClassifierScorer(SavedModel.read(modelFile));
    }

    /** A scorer of the classifier whose saved file is {@code modelBytes}. */
    public static ClassifierScorer load(byte[] modelBytes) {
        return new ClassifierScorer(SavedModel.of(modelBytes));
    }

    /** A scorer of {@code model} (saved to bytes now; later changes to it are not seen). */
    public static ClassifierScorer of(Classifier model) {
        return new ClassifierScorer(SavedModel.of(model));
    }

    /** The input column: a Spark ML vector, {@code array<float>} or {@code array<double>}. Default {@code features}. */
    public ClassifierScorer featuresCol(String name) {
        this.featuresCol = requireName("featuresCol", name);
        return this;
    }

    /** The output {@code array<float>} column. Default {@code probabilities}. */
    public ClassifierScorer probabilitiesCol(String name) {
        this.probabilitiesCol = requireName("probabilitiesCol", name);
        return this;
    }

    /** The output {@code int} column of class indices. Default {@code prediction}. */
    public ClassifierScorer predictionCol(String name) {
        this.predictionCol = requireName("predictionCol", name);
        return this;
    }

    /** Rows per kernel call. Default {@value #DEFAULT_BATCH_ROWS}. */
    public ClassifierScorer batchRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("batchRows must be >= 1, was " + rows);
        }
        this.batchRows = rows;
        return this;
    }

    /** The executors' backend, overriding {@value ExecutorKernels#BACKEND_CONF}; {@code auto} is each executor's best. */
    public ClassifierScorer backend(String name) {
        this.backend = ExecutorKernels.normalize(name);
        return this;
    }

    public int features() {
        return features;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The output schema: {@code input} plus the probabilities and prediction columns. */
    public StructType transformSchema(StructType input) {
        FeatureColumn.of(input, featuresCol, "features");
        FeatureColumn.requireAbsent(input, probabilitiesCol, "probabilitiesCol");
        FeatureColumn.requireAbsent(input, predictionCol, "predictionCol");
        if (probabilitiesCol.equals(predictionCol)) {
            throw new IllegalArgumentException("probabilitiesCol and predictionCol must differ, both were '"
                    + predictionCol + "'");
        }
        return input
                .add(probabilitiesCol, DataTypes.createArrayType(DataTypes.FloatType, false), true)
                .add(predictionCol, DataTypes.IntegerType, true);
    }

    /** {@code data} with the two output columns, computed lazily on the executors. */
    public Dataset<Row> transform(Dataset<Row> data) {
        StructType in = data.schema();
        StructType out = transformSchema(in);
        String resolved = ExecutorKernels.resolve(backend, data.sparkSession());
        ScoreFunction f = new ScoreFunction(model, resolved, FeatureColumn.of(in, featuresCol, "features"), featuresCol,
                in.fieldIndex(featuresCol), features, classNames.size(), batchRows);
        return InternalRows.mapPartitions(data, f, out);
    }

    private static String requireName(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a non-empty column name, was '" + name + "'");
        }
        return name;
    }

    @Override
    public String toString() {
        return "ClassifierScorer[" + model + ", " + classNames.size() + " classes x " + features + " features]";
    }
}
