package dev.softmaxengine.models.onnx;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.linear.LogisticRegression;
import dev.softmaxengine.models.linear.OneVsRestLogistic;
import dev.softmaxengine.models.linear.SoftmaxRegression;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns an ONNX graph of a linear classifier into one of this project's {@link Classifier}s, so it
 * is scored by the engine's GEMM and kernels. Two families are read:
 * <ul>
 *   <li>scikit-learn as skl2onnx writes it: an optional {@code ai.onnx.ml.Scaler}, then
 *       {@code ai.onnx.ml.LinearClassifier} ({@code post_transform} SOFTMAX, LOGISTIC or NONE;
 *       {@code classlabels_strings} or {@code classlabels_ints}), then optionally
 *       {@code Normalizer} (L1) and {@code ZipMap}. {@code multi_class} is read and ignored, as
 *       ONNX Runtime ignores it: the post-transform alone decides the probabilities.</li>
 *   <li>PyTorch's exporter for {@code nn.Linear}: {@code Gemm} ({@code transB} 1 or 0) or
 *       {@code MatMul} + {@code Add}, then optionally {@code Softmax} or {@code LogSoftmax} over
 *       the class axis (opset &lt; 13 and &gt;= 13 axis rules both). Classes are {@code 0 .. K-1}.</li>
 * </ul>
 * A Scaler is folded into the weights; {@code Identity} nodes and a {@code Cast} of the label
 * output are passed through. Anything else is an {@link IllegalArgumentException} naming the op.
 *
 * <p>What the graph's probability output means becomes the imported model: SOFTMAX, a softmax head
 * or plain logits give a {@link SoftmaxRegression}; LOGISTIC gives a {@link LogisticRegression} when
 * the two rows are skl2onnx's binary {@code [-w, w]}, else a {@link OneVsRestLogistic}; NONE
 * (LinearSVC) gives a softmax regression whose {@link Classifier#scores} are the graph's decision
 * scores.
 */
public final class OnnxImport {
    private static final String ML = "ai.onnx.ml";

    /** What the graph's main output holds, so callers (and the parity tests) compare like with like. */
    public enum Output {
        /** Probabilities summing to 1 per row: {@link Classifier#probabilities}. */
        PROBABILITIES,
        /** Log-probabilities (a LogSoftmax head): {@link Classifier#logProbabilities}. */
        LOG_PROBABILITIES,
        /** Unnormalized scores (logits, LinearSVC decisions): {@link Classifier#scores}. */
        SCORES,
        /**
         * One-vs-rest sigmoids without a Normalizer: the graph's rows do not sum to 1; the model's
         * probabilities are those sigmoids normalized. Compare {@link Classifier#predict} only.
         */
        UNNORMALIZED_SIGMOIDS
    }

    /**
     * The imported model and the graph's output names: {@code probabilityOutput} is the tensor (or
     * ZipMap) that {@code output} describes, {@code labelOutput} the label tensor or null (torch).
     *
     * @param model the classifier that computes the graph
     * @param output what the graph's main output holds
     * @param inputName the graph's feature input
     * @param probabilityOutput the output that {@code output} describes
     * @param labelOutput the graph's label output, or null when it has none
     */
    public record Result(Classifier model, Output output, String inputName, String probabilityOutput, String labelOutput) {
    }

    private OnnxImport() {
    }

    /**
     * Reads and imports {@code path}; errors name the file.
     *
     * @param path an ONNX file of a linear classifier (skl2onnx or torch Linear + softmax)
     * @param kernel the kernel the imported classifier normalizes with; not owned
     * @return the classifier and the graph's output names
     * @throws IOException when the file cannot be read or is not a ModelProto
     * @throws IllegalArgumentException naming the file when the graph is not a linear classifier this reads
     */
    public static Result read(Path path, SoftmaxKernel kernel) throws IOException {
        OnnxGraph graph = OnnxGraph.read(path);
        try {
            return of(graph, kernel);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The linear classifier that {@code graph} computes.
     *
     * @param graph a parsed ONNX graph
     * @param kernel the kernel the imported classifier normalizes with; not owned
     * @return the classifier and the graph's output names
     * @throws IllegalArgumentException when the graph is not a linear classifier this reads
     */
    public static Result of(OnnxGraph graph, SoftmaxKernel kernel) {
        List<String> inputs = graph.dataInputs();
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("the graph must have one data input (the feature matrix), has " + inputs);
        }
        return new Walk(graph, inputs.getFirst()).run(kernel);
    }

    /** One pass over the nodes in their (topological) order, tracking what each tensor holds. */
    private static final class Walk {
        final OnnxGraph graph;
        final String input;
        /** What each tensor name holds: the features, the scores so far, the probabilities or the label. */
        final Map<String, Value> values = new HashMap<>();

        // The affine map built so far: scores = W x + b, W row-major classes x features.
        double[] weights;
        double[] bias;
        int classes;
        int features = -1;
        double[] scaleOffset;
        double[] scale;
        List<String> classNames;
        String head; // null, SOFTMAX, LOG_SOFTMAX, LOGISTIC, NONE
        boolean normalized;
        String probabilityOutput;
        String labelOutput;

        enum Value { FEATURES, SCALED, SCORES, HEADED, LABEL }

        Walk(OnnxGraph graph, String input) {
            this.graph = graph;
            this.input = input;
            values.put(input, Value.FEATURES);
        }

        Result run(SoftmaxKernel kernel) {
            for (OnnxGraph.Node node : graph.nodes()) {
                visit(node);
            }
            if (weights == null) {
                throw new IllegalArgumentException("the graph has no linear layer (LinearClassifier, Gemm or MatMul)");
            }
            Set<String> outputs = new HashSet<>(graph.outputs());
            for (String out : graph.outputs()) {
                Value v = values.get(out);
                if (v == null || v == Value.FEATURES || v == Value.SCALED) {
                    throw new IllegalArgumentException("graph output '" + out + "' is not the classifier's scores,"
                            + " probabilities or label");
                }
                if (v != Value.LABEL) {
                    probabilityOutput = out;
                } else {
                    labelOutput = out;
                }
            }
            if (probabilityOutput == null) {
                throw new IllegalArgumentException("the graph outputs only labels " + outputs
                        + "; a probability or score output is needed");
            }
            foldScaler();
            if (classNames == null) {
                String[] names = new String[classes];
                Arrays.setAll(names, Integer::toString);
                classNames = List.of(names);
            }
            if (classes < 2) {
                throw new IllegalArgumentException("the linear layer has " + classes + " output; at least 2 classes are needed");
            }
            return switch (head == null ? "" : head) {
                case "SOFTMAX" -> result(new SoftmaxRegression(kernel, weights, bias, classNames), Output.PROBABILITIES);
                case "LOG_SOFTMAX" -> result(new SoftmaxRegression(kernel, weights, bias, classNames), Output.LOG_PROBABILITIES);
                case "", "NONE" -> result(new SoftmaxRegression(kernel, weights, bias, classNames), Output.SCORES);
                case "LOGISTIC" -> {
                    Output output = normalized || isBinaryPair() ? Output.PROBABILITIES : Output.UNNORMALIZED_SIGMOIDS;
                    Classifier model = isBinaryPair()
                            ? new LogisticRegression(kernel, Arrays.copyOfRange(weights, features, 2 * features), bias[1], classNames)
                            : new OneVsRestLogistic(kernel, weights, bias, classNames);
                    yield result(model, output);
                }
                default -> throw new IllegalStateException(head);
            };
        }

        Result result(Classifier model, Output output) {
            return new Result(model, output, input, probabilityOutput, labelOutput);
        }

        /** skl2onnx writes a binary logistic regression as the rows {@code [-w, w]} and intercepts {@code [-b, b]}. */
        boolean isBinaryPair() {
            if (classes != 2 || bias[0] != -bias[1]) {
                return false;
            }
            for (int j = 0; j < features; j++) {
                if (weights[j] != -weights[features + j]) {
                    return false;
                }
            }
            return true;
        }

        /** {@code W ((x - o) * s) + b = (W diag(s)) x + (b - W (o * s))}, in float64. */
        void foldScaler() {
            if (scale == null) {
                return;
            }
            for (int k = 0; k < classes; k++) {
                double shift = 0;
                for (int j = 0; j < features; j++) {
                    double w = weights[k * features + j];
                    shift += w * scaleOffset[j] * scale[j];
                    weights[k * features + j] = w * scale[j];
                }
                bias[k] -= shift;
            }
        }

        void visit(OnnxGraph.Node node) {
            String domain = node.domain().equals("ai.onnx") ? "" : node.domain();
            if (!domain.isEmpty() && !domain.equals(ML)) {
                throw unsupported(node, "its domain '" + node.domain() + "' is not ai.onnx or ai.onnx.ml");
            }
            String op = (domain.isEmpty() ? "" : "ml.") + node.opType();
            switch (op) {
                case "Identity" -> values.put(output(node, 0), valueOf(node, 0));
                case "Cast" -> {
                    if (valueOf(node, 0) != Value.LABEL) {
                        throw unsupported(node, "only a Cast of the label output is supported");
                    }
                    values.put(output(node, 0), Value.LABEL);
                }
                case "Flatten" -> {
                    // Flatten(axis=1) of a [N, F] matrix is the identity; the exporter writes it before Linear.
                    if (valueOf(node, 0) != Value.FEATURES || attrInt(node, "axis", 1) != 1) {
                        throw unsupported(node, "only Flatten(axis=1) of the input is supported");
                    }
                    values.put(output(node, 0), Value.FEATURES);
                }
                case "ml.Scaler" -> scaler(node);
                case "ml.LinearClassifier" -> linearClassifier(node);
                case "ml.Normalizer" -> {
                    requireInput(node, 0, Value.HEADED, "the LinearClassifier's probabilities");
                    String norm = attrString(node, "norm", "MAX");
                    if (!norm.equals("L1") || !(head.equals("LOGISTIC") || head.equals("SOFTMAX"))) {
                        throw unsupported(node, "only norm L1 after a SOFTMAX or LOGISTIC post_transform is supported (was "
                                + norm + " after " + head + ")");
                    }
                    normalized = true;
                    values.put(output(node, 0), Value.HEADED);
                }
                case "ml.ZipMap" -> {
                    requireInput(node, 0, Value.HEADED, "the probabilities");
                    values.put(output(node, 0), Value.HEADED);
                }
                case "Gemm" -> gemm(node);
                case "MatMul" -> matMul(node);
                case "Add" -> add(node);
                case "Softmax", "LogSoftmax" -> softmax(node);
                default -> throw unsupported(node, "softmax-engine imports linear classifiers only (see OnnxImport)");
            }
        }

        void scaler(OnnxGraph.Node node) {
            requireInput(node, 0, Value.FEATURES, "the graph input");
            if (weights != null || scale != null) {
                throw unsupported(node, "a Scaler is supported only once, before the linear layer");
            }
            float[] offset = attrFloats(node, "offset");
            float[] s = attrFloats(node, "scale");
            int n = Math.max(offset.length, s.length);
            // ONNX broadcasts a single offset or scale to every feature.
            scaleOffset = broadcast(node, "offset", offset, n, 0);
            scale = broadcast(node, "scale", s, n, 1);
            features = n;
            values.put(output(node, 0), Value.SCALED);
        }

        double[] broadcast(OnnxGraph.Node node, String name, float[] v, int n, double fill) {
            double[] out = new double[n];
            if (v.length == 0) {
                Arrays.fill(out, fill);
            } else if (v.length == 1) {
                Arrays.fill(out, v[0]);
            } else if (v.length == n) {
                for (int i = 0; i < n; i++) {
                    out[i] = v[i];
                }
            } else {
                throw unsupported(node, name + " has " + v.length + " values, the other attribute " + n);
            }
            return out;
        }

        void linearClassifier(OnnxGraph.Node node) {
            Value in = valueOf(node, 0);
            if (in != Value.FEATURES && in != Value.SCALED) {
                throw unsupported(node, "its input must be the features (or a Scaler of them)");
            }
            requireNoLayer(node);
            float[] coef = attrFloats(node, "coefficients");
            float[] intercepts = attrFloats(node, "intercepts");
            List<String> strings = attrStrings(node, "classlabels_strings");
            long[] ints = attrInts(node, "classlabels_ints");
            int labels = Math.max(strings.size(), ints.length);
            int k = intercepts.length > 0 ? intercepts.length : labels;
            if (k == 1) {
                throw unsupported(node, "one coefficient row (a binary model with one score): ONNX Runtime then outputs"
                        + " [1 - z, z] without the post_transform; skl2onnx writes binary models as two rows [-w, w]");
            }
            if (k < 2 || coef.length == 0 || coef.length % k != 0) {
                throw unsupported(node, "coefficients (" + coef.length + ") must be classes (" + k + ") x features");
            }
            if (labels != k) {
                throw unsupported(node, "it has " + k + " coefficient rows and " + labels + " class labels");
            }
            int f = coef.length / k;
            if (features >= 0 && features != f) {
                throw unsupported(node, "coefficients have " + f + " features, the Scaler before it " + features);
            }
            features = f;
            classes = k;
            weights = new double[coef.length];
            for (int i = 0; i < coef.length; i++) {
                weights[i] = coef[i];
            }
            bias = new double[k];
            for (int i = 0; i < intercepts.length; i++) {
                bias[i] = intercepts[i];
            }
            List<String> names = new ArrayList<>();
            if (!strings.isEmpty()) {
                names.addAll(strings);
            } else {
                for (long v : ints) {
                    names.add(Long.toString(v));
                }
            }
            classNames = List.copyOf(names);
            String post = attrString(node, "post_transform", "NONE").toUpperCase(Locale.ROOT);
            if (!post.equals("SOFTMAX") && !post.equals("LOGISTIC") && !post.equals("NONE")) {
                throw unsupported(node, "post_transform " + post + " is not supported (SOFTMAX, LOGISTIC or NONE)");
            }
            head = post;
            values.put(output(node, 0), Value.LABEL);
            if (node.outputs().size() > 1) {
                values.put(node.outputs().get(1), Value.HEADED);
            }
        }

        void gemm(OnnxGraph.Node node) {
            requireInput(node, 0, Value.FEATURES, "the graph input");
            requireNoLayer(node);
            if (attrInt(node, "transA", 0) != 0) {
                throw unsupported(node, "transA=1 (features as columns) is not supported");
            }
            OnnxGraph.Tensor b = initializer(node, 1);
            if (b.dims().length != 2) {
                throw unsupported(node, b.describe() + " must be a matrix");
            }
            boolean transB = attrInt(node, "transB", 0) != 0;
            // transB=1 (torch): B is [classes, features], already W's layout; transB=0: B is [features, classes].
            setWeights(b, transB, attrFloat(node, "alpha", 1f));
            bias = new double[classes];
            if (node.inputs().size() > 2 && !node.inputs().get(2).isEmpty()) {
                addBias(node, initializer(node, 2), attrFloat(node, "beta", 1f));
            }
            values.put(output(node, 0), Value.SCORES);
        }

        void matMul(OnnxGraph.Node node) {
            requireInput(node, 0, Value.FEATURES, "the graph input");
            requireNoLayer(node);
            OnnxGraph.Tensor b = initializer(node, 1);
            if (b.dims().length != 2) {
                throw unsupported(node, b.describe() + " must be a matrix [features, classes]");
            }
            setWeights(b, false, 1);
            bias = new double[classes];
            values.put(output(node, 0), Value.SCORES);
        }

        void add(OnnxGraph.Node node) {
            if (node.inputs().size() != 2) {
                throw unsupported(node, "it must have two inputs");
            }
            int data = values.get(node.inputs().get(0)) == Value.SCORES ? 0 : 1;
            requireInput(node, data, Value.SCORES, "the scores of a Gemm or MatMul");
            if (head != null) {
                throw unsupported(node, "an Add after the softmax is not a linear classifier");
            }
            addBias(node, initializer(node, 1 - data), 1);
            values.put(output(node, 0), Value.SCORES);
        }

        void softmax(OnnxGraph.Node node) {
            requireInput(node, 0, Value.SCORES, "the scores of the linear layer");
            long opset = graph.defaultOpset();
            // Opset < 13 flattens the input to 2-D at `axis` (default 1); opset 13 takes one axis (default -1).
            // On the [N, classes] scores both mean the class axis exactly when axis is 1 or -1.
            long axis = attrInt(node, "axis", opset >= 13 ? -1 : 1);
            if (axis != 1 && axis != -1) {
                throw unsupported(node, "axis " + axis + " of the [rows, classes] scores is not the class axis (opset "
                        + opset + ")");
            }
            head = node.opType().equals("Softmax") ? "SOFTMAX" : "LOG_SOFTMAX";
            values.put(output(node, 0), Value.HEADED);
        }

        void setWeights(OnnxGraph.Tensor b, boolean classMajor, double alpha) {
            int rows = (int) b.dims()[0];
            int cols = (int) b.dims()[1];
            classes = classMajor ? rows : cols;
            features = classMajor ? cols : rows;
            weights = new double[classes * features];
            for (int k = 0; k < classes; k++) {
                for (int j = 0; j < features; j++) {
                    weights[k * features + j] = alpha * (classMajor ? b.values()[k * cols + j] : b.values()[j * cols + k]);
                }
            }
        }

        void addBias(OnnxGraph.Node node, OnnxGraph.Tensor c, double beta) {
            long size = c.size();
            boolean shapeOk = c.dims().length == 0 || c.dims()[c.dims().length - 1] == size;
            if (!shapeOk || (size != classes && size != 1)) {
                throw unsupported(node, c.describe() + " does not broadcast to one bias per class (" + classes + ")");
            }
            for (int k = 0; k < classes; k++) {
                bias[k] += beta * c.values()[size == 1 ? 0 : k];
            }
        }

        void requireNoLayer(OnnxGraph.Node node) {
            if (weights != null) {
                throw unsupported(node, "a second linear layer is not a linear classifier");
            }
        }

        OnnxGraph.Tensor initializer(OnnxGraph.Node node, int i) {
            String name = i < node.inputs().size() ? node.inputs().get(i) : "";
            OnnxGraph.Tensor t = graph.initializers().get(name);
            if (t == null) {
                throw unsupported(node, "input " + i + " ('" + name + "') must be a constant initializer");
            }
            return t;
        }

        Value valueOf(OnnxGraph.Node node, int i) {
            Value v = i < node.inputs().size() ? values.get(node.inputs().get(i)) : null;
            if (v == null) {
                throw unsupported(node, "input " + i + " is not computed by the classifier's chain");
            }
            return v;
        }

        void requireInput(OnnxGraph.Node node, int i, Value expected, String what) {
            if (valueOf(node, i) != expected) {
                throw unsupported(node, "its input " + i + " must be " + what);
            }
        }

        static String output(OnnxGraph.Node node, int i) {
            if (node.outputs().size() <= i) {
                throw unsupported(node, "it has no output " + i);
            }
            return node.outputs().get(i);
        }

        static IllegalArgumentException unsupported(OnnxGraph.Node node, String why) {
            return new IllegalArgumentException("unsupported ONNX op " + node.describe() + ": " + why);
        }

        static OnnxGraph.Attribute attr(OnnxGraph.Node node, String name) {
            return node.attributes().get(name);
        }

        static long attrInt(OnnxGraph.Node node, String name, long fallback) {
            OnnxGraph.Attribute a = attr(node, name);
            return a == null ? fallback : a.i();
        }

        static float attrFloat(OnnxGraph.Node node, String name, float fallback) {
            OnnxGraph.Attribute a = attr(node, name);
            return a == null ? fallback : a.f();
        }

        static String attrString(OnnxGraph.Node node, String name, String fallback) {
            OnnxGraph.Attribute a = attr(node, name);
            return a == null || a.s() == null ? fallback : a.s();
        }

        static float[] attrFloats(OnnxGraph.Node node, String name) {
            OnnxGraph.Attribute a = attr(node, name);
            return a == null ? new float[0] : a.floats();
        }

        static long[] attrInts(OnnxGraph.Node node, String name) {
            OnnxGraph.Attribute a = attr(node, name);
            return a == null ? new long[0] : a.ints();
        }

        static List<String> attrStrings(OnnxGraph.Node node, String name) {
            OnnxGraph.Attribute a = attr(node, name);
            return a == null ? List.of() : a.strings();
        }
    }
}
