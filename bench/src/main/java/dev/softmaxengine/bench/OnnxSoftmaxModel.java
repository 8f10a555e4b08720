package dev.softmaxengine.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The serialized one-node ONNX model {@code Y = op(X)} along the last axis for a tensor
 * {@code [rows, cols]} of float or double: Softmax, LogSoftmax, Hardmax (axis -1), ReduceLogSumExp
 * (axes [-1], keepdims 0: {@code Y} is {@code [rows]}) or Sigmoid.
 *
 * <p>ONNX Runtime's Java API loads models but cannot build them, and pulling in protobuf and the
 * ONNX schema for one node is out of proportion, so this class writes the {@code ModelProto}
 * protobuf bytes directly. Field numbers are those of {@code onnx/onnx.proto} (IR version 8,
 * opset 13, where Softmax normalizes along one axis rather than flattening from it).
 */
public final class OnnxSoftmaxModel {
    public static final String INPUT = "X";
    public static final String OUTPUT = "Y";

    // ModelProto
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    // OperatorSetIdProto
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    // AttributeProto
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_I = 3;
    private static final int ATTRIBUTE_INTS = 8;
    private static final int ATTRIBUTE_TYPE = 20;
    private static final int ATTRIBUTE_TYPE_INT = 2;
    private static final int ATTRIBUTE_TYPE_INTS = 7;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR_TYPE = 1;
    private static final int TENSOR_ELEM_TYPE = 1;
    private static final int TENSOR_SHAPE = 2;
    private static final int TENSOR_ELEM_TYPE_FLOAT = 1;
    private static final int TENSOR_ELEM_TYPE_DOUBLE = 11;
    private static final int TENSOR_ELEM_TYPE_INT64 = 7;
    /** TopK's second input, its k: an int64 tensor of one element. */
    public static final String K = "K";
    /** TopK's second output, int64 indices along the axis. */
    public static final String INDICES = "Indices";
    /** The op types {@link #encode(String, long, long, boolean)} writes. */
    public static final List<String> OP_TYPES = List.of("Softmax", "LogSoftmax", "Hardmax",
            "ReduceLogSumExp", "Sigmoid");
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;

    private static final long IR_VERSION = 8;
    private static final long OPSET = 13;

    private OnnxSoftmaxModel() {
    }

    /** The Softmax model's bytes, for {@code OrtEnvironment.createSession(byte[], options)}. */
    public static byte[] encode(long rows, long cols) {
        return encode("Softmax", rows, cols);
    }

    /** The float model {@code Y = opType(X)} ({@link #encode(String, long, long, boolean)}). */
    public static byte[] encode(String opType, long rows, long cols) {
        return encode(opType, rows, cols, false);
    }

    /**
     * The bytes of the model {@code Y = opType(X)} along the last axis, float or ({@code doubles})
     * double: one of {@link #OP_TYPES} (opset 13: Softmax, LogSoftmax and Hardmax take an axis
     * attribute, ReduceLogSumExp an axes attribute).
     */
    public static byte[] encode(String opType, long rows, long cols, boolean doubles) {
        if (!OP_TYPES.contains(opType)) {
            throw new IllegalArgumentException("opType must be one of " + OP_TYPES + ", was " + opType);
        }
        if (rows <= 0) {
            throw new IllegalArgumentException("rows must be > 0, was " + rows);
        }
        if (cols <= 0) {
            throw new IllegalArgumentException("cols must be > 0, was " + cols);
        }
        boolean reduce = opType.equals("ReduceLogSumExp");
        Proto node = new Proto()
                .string(NODE_INPUT, INPUT)
                .string(NODE_OUTPUT, OUTPUT)
                .string(NODE_NAME, opType.toLowerCase(Locale.ROOT))
                .string(NODE_OP_TYPE, opType);
        if (reduce) {
            node.message(NODE_ATTRIBUTE, new Proto()
                    .string(ATTRIBUTE_NAME, "axes")
                    .varint(ATTRIBUTE_INTS, -1)
                    .varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INTS)
                    .bytes());
            node.message(NODE_ATTRIBUTE, new Proto()
                    .string(ATTRIBUTE_NAME, "keepdims")
                    .varint(ATTRIBUTE_I, 0)
                    .varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT)
                    .bytes());
        } else if (!opType.equals("Sigmoid")) {
            node.message(NODE_ATTRIBUTE, new Proto()
                    .string(ATTRIBUTE_NAME, "axis")
                    .varint(ATTRIBUTE_I, -1)
                    .varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT)
                    .bytes());
        }
        int elem = doubles ? TENSOR_ELEM_TYPE_DOUBLE : TENSOR_ELEM_TYPE_FLOAT;
        byte[] graph = new Proto()
                .message(GRAPH_NODE, node.bytes())
                .string(GRAPH_NAME, opType.toLowerCase(Locale.ROOT) + "_" + rows + "x" + cols)
                .message(GRAPH_INPUT, tensor(INPUT, elem, rows, cols))
                .message(GRAPH_OUTPUT, reduce ? tensor(OUTPUT, elem, rows) : tensor(OUTPUT, elem, rows, cols))
                .bytes();
        return model(graph);
    }

    /**
     * The bytes of the model {@code (Y, Indices) = TopK(X, K)} along the last axis of a float or
     * ({@code doubles}) double {@code [rows, cols]}: largest = 1, sorted = 1 (opset 13), so {@code Y}
     * holds the {@code k} largest of each row best first and {@code Indices} their int64 positions.
     * {@code K} is an input (a one-element int64 tensor, as TopK takes it since opset 10); the outputs'
     * shapes name {@code k}, so a session is made for one k.
     */
    public static byte[] encodeTopK(long rows, long cols, long k, boolean doubles) {
        if (rows <= 0) {
            throw new IllegalArgumentException("rows must be > 0, was " + rows);
        }
        if (cols <= 0) {
            throw new IllegalArgumentException("cols must be > 0, was " + cols);
        }
        if (k < 1 || k > cols) {
            throw new IllegalArgumentException("k must be in [1, " + cols + "], was " + k);
        }
        Proto node = new Proto()
                .string(NODE_INPUT, INPUT)
                .string(NODE_INPUT, K)
                .string(NODE_OUTPUT, OUTPUT)
                .string(NODE_OUTPUT, INDICES)
                .string(NODE_NAME, "topk")
                .string(NODE_OP_TYPE, "TopK");
        for (String[] a : new String[][] {{"axis", "-1"}, {"largest", "1"}, {"sorted", "1"}}) {
            node.message(NODE_ATTRIBUTE, new Proto()
                    .string(ATTRIBUTE_NAME, a[0])
                    .varint(ATTRIBUTE_I, Long.parseLong(a[1]))
                    .varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT)
                    .bytes());
        }
        int elem = doubles ? TENSOR_ELEM_TYPE_DOUBLE : TENSOR_ELEM_TYPE_FLOAT;
        byte[] graph = new Proto()
                .message(GRAPH_NODE, node.bytes())
                .string(GRAPH_NAME, "topk_" + rows + "x" + cols + "_k" + k)
                .message(GRAPH_INPUT, tensor(INPUT, elem, rows, cols))
                .message(GRAPH_INPUT, tensor(K, TENSOR_ELEM_TYPE_INT64, 1))
                .message(GRAPH_OUTPUT, tensor(OUTPUT, elem, rows, k))
                .message(GRAPH_OUTPUT, tensor(INDICES, TENSOR_ELEM_TYPE_INT64, rows, k))
                .bytes();
        return model(graph);
    }

    /** The ModelProto around {@code graph}, opset {@value #OPSET} of the default domain. */
    private static byte[] model(byte[] graph) {
        // The default domain "" is written explicitly: an absent string and "" decode alike, and
        // spelling it out keeps the bytes readable against the spec.
        byte[] opset = new Proto()
                .string(OPSET_DOMAIN, "")
                .varint(OPSET_VERSION, OPSET)
                .bytes();
        return new Proto()
                .varint(MODEL_IR_VERSION, IR_VERSION)
                .string(MODEL_PRODUCER_NAME, "softmax-engine-bench")
                .message(MODEL_GRAPH, graph)
                .message(MODEL_OPSET_IMPORT, opset)
                .bytes();
    }

    private static byte[] tensor(String name, int elemType, long... dims) {
        Proto shape = new Proto();
        for (long d : dims) {
            shape.message(SHAPE_DIM, new Proto().varint(DIM_VALUE, d).bytes());
        }
        byte[] tensor = new Proto()
                .varint(TENSOR_ELEM_TYPE, elemType)
                .message(TENSOR_SHAPE, shape.bytes())
                .bytes();
        byte[] type = new Proto().message(TYPE_TENSOR_TYPE, tensor).bytes();
        return new Proto()
                .string(VALUE_INFO_NAME, name)
                .message(VALUE_INFO_TYPE, type)
                .bytes();
    }

    /** The two protobuf wire types a model needs: varint (0) and length-delimited (2). */
    private static final class Proto {
        private static final int WIRE_VARINT = 0;
        private static final int WIRE_LENGTH_DELIMITED = 2;

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /** An int32/int64/enum field; negative values take ten bytes (two's complement, as protobuf does). */
        Proto varint(int field, long value) {
            tag(field, WIRE_VARINT);
            raw(value);
            return this;
        }

        Proto string(int field, String value) {
            return message(field, value.getBytes(StandardCharsets.UTF_8));
        }

        /** A length-delimited field: an embedded message, or a string's UTF-8 bytes. */
        Proto message(int field, byte[] value) {
            tag(field, WIRE_LENGTH_DELIMITED);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            raw(((long) field << 3) | wireType);
        }

        /** Base-128 varint, least significant group first, high bit set on all but the last byte. */
        private void raw(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
