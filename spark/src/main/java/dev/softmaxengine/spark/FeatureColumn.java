package dev.softmaxengine.spark;

import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;

import java.util.Arrays;

/**
 * A numeric vector column read straight from Spark's internal rows into float32 batches, unsafe
 * arrays by block copies: a Spark ML vector (dense or sparse; stored as the struct
 * {@code <type: byte, size: int, indices: array<int>, values: array<double>>} of {@link VectorUDT}),
 * an {@code array<float>} or an {@code array<double>}. Callers check for null values first.
 */
enum FeatureColumn {
    VECTOR, FLOAT_ARRAY, DOUBLE_ARRAY;

    /** {@link VectorUDT}'s type tag of a sparse vector (a dense one is 1). */
    private static final byte SPARSE = 0;
    private static final int VECTOR_FIELDS = 4;

    /** The kind of column {@code name} of {@code schema}; {@code role} names it in messages. */
    static FeatureColumn of(StructType schema, String name, String role) {
        DataType t = field(schema, name, role).dataType();
        if (t instanceof VectorUDT) {
            return VECTOR;
        }
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.FloatType)) {
            return FLOAT_ARRAY;
        }
        if (t instanceof ArrayType a && a.elementType().equals(DataTypes.DoubleType)) {
            return DOUBLE_ARRAY;
        }
        throw new IllegalArgumentException(role + " column '" + name + "' has type " + t.simpleString()
                + "; it must be a Spark ML vector, array<float> or array<double>");
    }

    static StructField field(StructType schema, String name, String role) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(role + " column name must be non-empty, was '" + name + "'");
        }
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException(role + " column '" + name + "' is not in the schema "
                + Arrays.toString(schema.fieldNames()));
    }

    /** Checks that an output column does not clash with an input one. */
    static void requireAbsent(StructType schema, String name, String what) {
        for (String f : schema.fieldNames()) {
            if (f.equals(name)) {
                throw new IllegalArgumentException(what + " '" + name + "' is already a column of the input; choose another name");
            }
        }
    }

    /** Names the row being read, for error messages; made only when there is an error. */
    interface Position {
        String describe();
    }

    /**
     * Copies the {@code n} values of column {@code col} of {@code row} (not null) into
     * {@code out[offset ..]} as float32; {@code scratch} holds at least {@code n} doubles.
     *
     * @throws IllegalArgumentException naming {@code at} when the value does not have {@code n}
     *     elements, has a null element or a sparse index outside its size
     */
    void copy(InternalRow row, int col, int n, float[] out, int offset, double[] scratch, Position at) {
        switch (this) {
            case VECTOR -> {
                InternalRow v = row.getStruct(col, VECTOR_FIELDS);
                ArrayData values = v.getArray(3);
                if (v.getByte(0) == SPARSE) {
                    requireLength(v.getInt(1), n, at);
                    Arrays.fill(out, offset, offset + n, 0f);
                    ArrayData indices = v.getArray(2);
                    for (int j = 0, nnz = values.numElements(); j < nnz; j++) {
                        int i = indices.getInt(j);
                        if (i < 0 || i >= n) {
                            throw new IllegalArgumentException(at.describe() + " has sparse index " + i
                                    + " outside its size " + n);
                        }
                        out[offset + i] = (float) values.getDouble(j);
                    }
                } else {
                    requireLength(values.numElements(), n, at);
                    narrow(values, n, out, offset, scratch);
                }
            }
            case FLOAT_ARRAY -> {
                ArrayData a = row.getArray(col);
                requireLength(a.numElements(), n, at);
                requireNoNull(a, n, at);
                if (a instanceof UnsafeArrayData u) {
                    Platform.copyMemory(u.getBaseObject(), elements(u, n), out,
                            Platform.FLOAT_ARRAY_OFFSET + (long) offset * Float.BYTES, (long) n * Float.BYTES);
                } else {
                    for (int j = 0; j < n; j++) {
                        out[offset + j] = a.getFloat(j);
                    }
                }
            }
            case DOUBLE_ARRAY -> {
                ArrayData a = row.getArray(col);
                requireLength(a.numElements(), n, at);
                requireNoNull(a, n, at);
                narrow(a, n, out, offset, scratch);
            }
        }
    }

    /** Doubles to floats; an unsafe array's elements in one block copy and a loop the JIT vectorizes. */
    private static void narrow(ArrayData values, int n, float[] out, int offset, double[] scratch) {
        if (values instanceof UnsafeArrayData u) {
            Platform.copyMemory(u.getBaseObject(), elements(u, n), scratch, Platform.DOUBLE_ARRAY_OFFSET,
                    (long) n * Double.BYTES);
            for (int j = 0; j < n; j++) {
                out[offset + j] = (float) scratch[j];
            }
        } else {
            for (int j = 0; j < n; j++) {
                out[offset + j] = (float) values.getDouble(j);
            }
        }
    }

    /** The address of an unsafe array's first element: after its length and null bits. */
    private static long elements(UnsafeArrayData a, int n) {
        return a.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(n);
    }

    private static void requireNoNull(ArrayData a, int n, Position at) {
        for (int j = 0; j < n; j++) {
            if (a.isNullAt(j)) {
                throw new IllegalArgumentException(at.describe() + " has a null at element " + j);
            }
        }
    }

    private static void requireLength(int length, int n, Position at) {
        if (length != n) {
            throw new IllegalArgumentException(at.describe() + " has " + length + " values, the model reads " + n);
        }
    }
}
