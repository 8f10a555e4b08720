package dev.softmaxengine.models.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX {@code ModelProto} that a linear classifier needs: the opsets, the graph's
 * nodes with their attributes, its initializers (float32 / float64 / int64) and its input and
 * output names. Read with protobuf-java's {@link CodedInputStream} by the field numbers of ONNX's
 * {@code onnx.proto} (quoted at each message below); every other field is skipped, so newer ONNX
 * files with more fields still parse.
 *
 * @param irVersion the ModelProto's {@code ir_version}
 * @param opsets opset version by domain ({@code ""} is the default ai.onnx domain)
 * @param nodes the graph's nodes in file (topological) order
 * @param initializers the graph's constant tensors by name
 * @param inputs the graph's input names, initializers included when the exporter lists them
 * @param outputs the graph's output names
 */
public record OnnxGraph(long irVersion, Map<String, Long> opsets, List<Node> nodes, Map<String, Tensor> initializers,
                        List<String> inputs, List<String> outputs) {

    /** TensorProto.DataType values. */
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int DOUBLE = 11;

    /**
     * A NodeProto: {@code input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7}.
     *
     * @param name the node's name, possibly empty
     * @param opType the operator, e.g. {@code Gemm}
     * @param domain the operator's domain, empty for ai.onnx
     * @param inputs input tensor names, in operator order
     * @param outputs output tensor names, in operator order
     * @param attributes the node's attributes by name
     */
    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, Attribute> attributes) {
        /**
         * {@code op_type} with its domain when it is not the default one.
         *
         * @return e.g. {@code Gemm} or {@code ai.onnx.ml.LinearClassifier}
         */
        public String qualifiedOp() {
            return domain.isEmpty() || domain.equals("ai.onnx") ? opType : domain + "." + opType;
        }

        /**
         * How error messages name the node.
         *
         * @return the qualified op and, when it has one, the node's name
         */
        public String describe() {
            return "'" + qualifiedOp() + "'" + (name.isEmpty() ? "" : " (node '" + name + "')");
        }
    }

    /**
     * An AttributeProto: {@code name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8,
     * strings = 9, type = 20}. Lists are empty when absent.
     *
     * @param name the attribute's name
     * @param type AttributeProto.AttributeType (1 float, 2 int, 3 string, 4 tensor, 6 floats, 7 ints, 8 strings)
     * @param f the float value, 0 when absent
     * @param i the int value, 0 when absent
     * @param s the string value (UTF-8), empty when absent
     * @param t the tensor value, or null
     * @param floats the float list
     * @param ints the int list
     * @param strings the string list
     */
    public record Attribute(String name, int type, float f, long i, String s, Tensor t, float[] floats, long[] ints,
                            List<String> strings) {
    }

    /**
     * A TensorProto: {@code dims = 1, data_type = 2, float_data = 4, int32_data = 5, int64_data = 7,
     * name = 8, raw_data = 9, double_data = 10, data_location = 14} (raw little-endian bytes or the
     * typed fields). Values are widened to double; float32 and int64 up to 2^53 are exact.
     *
     * @param name the tensor's name
     * @param dataType TensorProto.DataType: 1 float, 6 int32, 7 int64, 11 double
     * @param dims the dimensions, row-major
     * @param values every element, row-major, widened to double
     */
    public record Tensor(String name, int dataType, long[] dims, double[] values) {
        /**
         * The number of elements the dimensions describe.
         *
         * @return the product of {@code dims}, 1 for a scalar
         */
        public long size() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        String describe() {
            return "initializer '" + name + "' " + Arrays.toString(dims);
        }
    }

    /**
     * Reads the file at {@code path}.
     *
     * @param path an ONNX model file
     * @return its graph
     * @throws IOException when the file cannot be read or is not a ModelProto
     */
    public static OnnxGraph read(Path path) throws IOException {
        try {
            return parse(Files.readAllBytes(path));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    /**
     * Parses a serialized ModelProto: {@code ir_version = 1, graph = 7, opset_import = 8}
     * (OperatorSetIdProto: {@code domain = 1, version = 2}).
     *
     * @param bytes the serialized ModelProto
     * @return its graph
     * @throws IOException when the bytes are truncated or malformed
     */
    public static OnnxGraph parse(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setRecursionLimit(64);
        long ir = 0;
        Map<String, Long> opsets = new LinkedHashMap<>();
        Builder graph = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> ir = in.readInt64();
                case 7 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    graph = readGraph(in);
                    in.popLimit(limit);
                }
                case 8 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    String domain = "";
                    long version = 0;
                    for (int t; (t = in.readTag()) != 0; ) {
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case 1 -> domain = in.readStringRequireUtf8();
                            case 2 -> version = in.readInt64();
                            default -> in.skipField(t);
                        }
                    }
                    in.popLimit(limit);
                    opsets.put(domain.equals("ai.onnx") ? "" : domain, version);
                }
                default -> in.skipField(tag);
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException("the model has no graph (ModelProto field 7)");
        }
        return new OnnxGraph(ir, Map.copyOf(opsets), List.copyOf(graph.nodes), Map.copyOf(graph.initializers),
                List.copyOf(graph.inputs), List.copyOf(graph.outputs));
    }

    /**
     * The version of the default (ai.onnx) opset.
     *
     * @return the imported version, or 0 when the model does not import it
     */
    public long defaultOpset() {
        return opsets.getOrDefault("", 0L);
    }

    /**
     * The graph inputs that are not initializers (older exporters list initializers as inputs too).
     *
     * @return the names the caller feeds, in graph order
     */
    public List<String> dataInputs() {
        return inputs.stream().filter(n -> !initializers.containsKey(n)).toList();
    }

    private static final class Builder {
        final List<Node> nodes = new ArrayList<>();
        final Map<String, Tensor> initializers = new LinkedHashMap<>();
        final List<String> inputs = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
    }

    /** GraphProto: {@code node = 1, initializer = 5, input = 11, output = 12} (ValueInfoProto {@code name = 1}). */
    private static Builder readGraph(CodedInputStream in) throws IOException {
        Builder g = new Builder();
        for (int tag; (tag = in.readTag()) != 0; ) {
            int field = WireFormat.getTagFieldNumber(tag);
            switch (field) {
                case 1 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    g.nodes.add(readNode(in));
                    in.popLimit(limit);
                }
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    Tensor t = readTensor(in);
                    in.popLimit(limit);
                    g.initializers.put(t.name(), t);
                }
                case 11, 12 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    String name = "";
                    for (int t; (t = in.readTag()) != 0; ) {
                        if (WireFormat.getTagFieldNumber(t) == 1) {
                            name = in.readStringRequireUtf8();
                        } else {
                            in.skipField(t);
                        }
                    }
                    in.popLimit(limit);
                    (field == 11 ? g.inputs : g.outputs).add(name);
                }
                default -> in.skipField(tag);
            }
        }
        return g;
    }

    private static Node readNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, Attribute> attributes = new LinkedHashMap<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readStringRequireUtf8());
                case 2 -> outputs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> op = in.readStringRequireUtf8();
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    Attribute a = readAttribute(in);
                    in.popLimit(limit);
                    attributes.put(a.name(), a);
                }
                case 7 -> domain = in.readStringRequireUtf8();
                default -> in.skipField(tag);
            }
        }
        return new Node(name, op, domain, List.copyOf(inputs), List.copyOf(outputs), Map.copyOf(attributes));
    }

    private static Attribute readAttribute(CodedInputStream in) throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        Tensor t = null;
        FloatList floats = new FloatList();
        LongList ints = new LongList();
        List<String> strings = new ArrayList<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            int wire = WireFormat.getTagWireType(tag);
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = in.readStringRequireUtf8();
                case 2 -> f = in.readFloat();
                case 3 -> i = in.readInt64();
                case 4 -> s = in.readBytes().toStringUtf8();
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    t = readTensor(in);
                    in.popLimit(limit);
                }
                case 7 -> readFloats(in, wire, floats);
                case 8 -> readVarints(in, wire, ints);
                case 9 -> strings.add(in.readBytes().toStringUtf8());
                case 20 -> type = in.readEnum();
                default -> in.skipField(tag);
            }
        }
        return new Attribute(name, type, f, i, s, t, floats.toArray(), ints.toArray(), List.copyOf(strings));
    }

    private static Tensor readTensor(CodedInputStream in) throws IOException {
        LongList dims = new LongList();
        int type = 0;
        String name = "";
        byte[] raw = null;
        FloatList floats = new FloatList();
        LongList longs = new LongList();
        List<Double> doubles = new ArrayList<>();
        boolean external = false;
        for (int tag; (tag = in.readTag()) != 0; ) {
            int wire = WireFormat.getTagWireType(tag);
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> readVarints(in, wire, dims);
                case 2 -> type = in.readInt32();
                case 4 -> readFloats(in, wire, floats);
                case 5, 7 -> readVarints(in, wire, longs);
                case 8 -> name = in.readStringRequireUtf8();
                case 9 -> raw = in.readByteArray();
                case 10 -> {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            doubles.add(in.readDouble());
                        }
                        in.popLimit(limit);
                    } else {
                        doubles.add(in.readDouble());
                    }
                }
                case 14 -> external = in.readEnum() == 1;
                default -> in.skipField(tag);
            }
        }
        long[] shape = dims.toArray();
        String what = "tensor '" + name + "' " + Arrays.toString(shape);
        if (external) {
            throw new IllegalArgumentException(what + " keeps its data in an external file, which is not supported;"
                    + " save the model with its weights inside (onnx.save(model, save_as_external_data=False))");
        }
        long size = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(what + " has a negative dimension");
            }
            size = Math.multiplyExact(size, d);
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + " is too large");
        }
        int n = (int) size;
        double[] values = new double[n];
        switch (type) {
            case FLOAT -> {
                if (raw != null) {
                    requireBytes(what, raw, n, 4);
                    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                    for (int k = 0; k < n; k++) {
                        values[k] = b.getFloat();
                    }
                } else {
                    requireCount(what, floats.size, n, "float_data");
                    for (int k = 0; k < n; k++) {
                        values[k] = floats.values[k];
                    }
                }
            }
            case DOUBLE -> {
                if (raw != null) {
                    requireBytes(what, raw, n, 8);
                    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
                } else {
                    requireCount(what, doubles.size(), n, "double_data");
                    for (int k = 0; k < n; k++) {
                        values[k] = doubles.get(k);
                    }
                }
            }
            case INT64, INT32 -> {
                if (raw != null) {
                    int width = type == INT64 ? 8 : 4;
                    requireBytes(what, raw, n, width);
                    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                    for (int k = 0; k < n; k++) {
                        values[k] = width == 8 ? b.getLong() : b.getInt();
                    }
                } else {
                    requireCount(what, longs.size, n, type == INT64 ? "int64_data" : "int32_data");
                    for (int k = 0; k < n; k++) {
                        values[k] = longs.values[k];
                    }
                }
            }
            default -> throw new IllegalArgumentException(what + " has data_type " + type
                    + "; float (1), double (11), int32 (6) and int64 (7) are supported");
        }
        return new Tensor(name, type, shape, values);
    }

    private static void requireBytes(String what, byte[] raw, int n, int width) {
        if ((long) raw.length != (long) n * width) {
            throw new IllegalArgumentException(what + " has " + raw.length + " bytes of raw_data, its shape needs "
                    + (long) n * width);
        }
    }

    private static void requireCount(String what, int had, int n, String field) {
        if (had != n) {
            throw new IllegalArgumentException(what + " has " + had + " values in " + field + ", its shape needs " + n);
        }
    }

    /** A repeated float: packed (proto3 and {@code [packed = true]}) or one value per tag (proto2's default). */
    private static void readFloats(CodedInputStream in, int wire, FloatList out) throws IOException {
        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                out.add(in.readFloat());
            }
            in.popLimit(limit);
        } else {
            out.add(in.readFloat());
        }
    }

    private static void readVarints(CodedInputStream in, int wire, LongList out) throws IOException {
        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                out.add(in.readInt64());
            }
            in.popLimit(limit);
        } else {
            out.add(in.readInt64());
        }
    }

    private static final class FloatList {
        float[] values = new float[16];
        int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    private static final class LongList {
        long[] values = new long[16];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    @Override
    public String toString() {
        return "OnnxGraph[ir " + irVersion + ", opsets " + opsets + ", " + nodes.size() + " nodes, inputs " + inputs
                + ", outputs " + outputs + "]";
    }
}
