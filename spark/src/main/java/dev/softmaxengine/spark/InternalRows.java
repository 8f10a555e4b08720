package dev.softmaxengine.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;

/**
 * {@code mapPartitions} over Spark's internal rows. The public {@code Dataset.mapPartitions}
 * converts every row to a {@link Row} and back, which alone costs more than scoring it (about
 * 1 µs per row and core, against 0.2 µs for the 64 x 10 GEMM of the digits model); here the
 * features are read straight from the (unsafe) input rows and the outputs written into unsafe
 * rows. This is Spark's internal API, as used by its own data sources, so the module pins the
 * Spark version (4.2.x) it was built and tested with.
 */
final class InternalRows {
    private InternalRows() {
    }

    /** The rows {@code f} makes from each partition of {@code data}, as a DataFrame of {@code schema}. */
    static Dataset<Row> mapPartitions(Dataset<Row> data,
                                      Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> f,
                                      StructType schema) {
        if (!(data.sparkSession() instanceof org.apache.spark.sql.classic.SparkSession session)) {
            throw new IllegalArgumentException("data must belong to a classic SparkSession, not Spark Connect ("
                    + data.sparkSession().getClass().getName() + "): the scoring runs on the executors' rows");
        }
        JavaRDD<InternalRow> out = data.queryExecution().toRdd().toJavaRDD().mapPartitionsWithIndex(f, true);
        return session.internalCreateDataFrame(out.rdd(), schema, false);
    }
}
