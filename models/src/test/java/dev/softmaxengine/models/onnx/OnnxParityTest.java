package dev.softmaxengine.models.onnx;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.TestSupport;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linalg.ClassMajorArgmax;
import dev.softmaxengine.models.linear.LogisticRegression;
import dev.softmaxengine.models.linear.OneVsRestLogistic;
import dev.softmaxengine.models.linear.SoftmaxRegression;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.DoubleBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed fixtures (models/scripts/make_onnx_fixtures.py) scored by ONNX Runtime and by the
 * imported model on the same real rows: same labels, and probabilities within ONNX Runtime's own
 * float32 error. ORT accumulates the F-term dot products in float32, so a score carries up to
 * {@code gamma = (F + 2) u * sum_j |w_j x_j|} (u = 2^-24; Higham's bound), and a softmax moves by at
 * most {@code 2 * gamma * p}; ORT's float32 exp adds a few ulps, and its sigmoid of a negative
 * score is {@code 1 - sigmoid(|z|)} in float32, an absolute error of up to an ulp of 1. We compute
 * in float64 and are held to that sum plus 2^-20 relative and 2^-22 absolute.
 */
class OnnxParityTest {
    private static SoftmaxKernel kernel;
    private static SoftmaxKernel scalar;
    private static OrtEnvironment env;

    @BeforeAll
    static void setUp() {
        kernel = Backends.create("simd");
        scalar = Backends.create("scalar");
        env = OrtEnvironment.getEnvironment();
    }

    @AfterAll
    static void tearDown() {
        kernel.close();
        scalar.close();
    }

    static Path fixture(String name) {
        try {
            return Path.of(OnnxParityTest.class.getResource("/onnx/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("fixture " + name + " missing from the test resources", e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "iris_scaler_logreg_zipmap.onnx, iris.csv, PROBABILITIES, softmax-regression",
            "breast_cancer_logreg_binary.onnx, breast_cancer.csv, PROBABILITIES, logistic-regression",
            "wine_logreg_ovr.onnx, wine_data.csv, PROBABILITIES, ovr-logistic-regression",
            "wine_linearsvc.onnx, wine_data.csv, SCORES, softmax-regression",
            "digits_gemm_softmax_opset13.onnx, digits.csv.gz, PROBABILITIES, softmax-regression",
            "digits_gemm_softmax_opset11.onnx, digits.csv.gz, PROBABILITIES, softmax-regression",
            "digits_matmul_add_logsoftmax_opset11.onnx, digits.csv.gz, LOG_PROBABILITIES, softmax-regression",
            "digits_gemm_logits_float64.onnx, digits.csv.gz, SCORES, softmax-regression",
            "digits_logreg.onnx, digits.csv.gz, PROBABILITIES, softmax-regression",
    })
    void sameAnswersAsOnnxRuntime(String file, String data, OnnxImport.Output output, String kind) throws Exception {
        // Both the SIMD and the scalar fp64 kernel: the same answers whichever backend normalizes.
        for (SoftmaxKernel k : List.of(kernel, scalar)) {
            sameAnswers(file, data, output, kind, k);
        }
    }

    private void sameAnswers(String file, String data, OnnxImport.Output output, String kind, SoftmaxKernel backend)
            throws Exception {
        OnnxImport.Result imported = OnnxImport.read(fixture(file), backend);
        Classifier model = imported.model();
        assertEquals(output, imported.output());
        assertEquals(kind, model.kind());
        Dataset rows = TestSupport.tabular(data);
        int n = rows.rows();
        int k = model.classes();
        int f = model.features();
        assertEquals(rows.features(), f, "features");

        double[] ours = new double[n * k];
        switch (output) {
            case PROBABILITIES -> model.probabilities(rows.x(), 0, n, ours);
            case LOG_PROBABILITIES -> model.logProbabilities(rows.x(), 0, n, ours);
            case SCORES, UNNORMALIZED_SIGMOIDS -> model.scores(rows.x(), 0, n, ours);
        }
        int[] predicted = new int[n];
        model.predict(rows.x(), 0, n, predicted);
        // What models score runs (BatchScorer): class-major probabilities, held to the same bound below.
        double[] byClass = new double[n * k];
        model.probabilitiesByClass(rows.x(), 0, n, byClass);
        // And in float32 (what BatchScorer and bench-onnx run): float32 scores and the kernel's float32 softmax.
        float[] byClass32 = new float[n * k];
        model.probabilitiesByClass(rows.x(), 0, n, byClass32);
        double[] logPotentials = new double[n * k];
        model.scores(rows.x(), 0, n, logPotentials);
        boolean ovr = model instanceof OneVsRestLogistic;
        int[] predicted32 = new int[n];
        ClassMajorArgmax.argmax(byClass32, k, n, predicted32);

        boolean float64 = file.contains("float64");
        double[] theirs = new double[n * k];
        String[] theirLabels = new String[n];
        runOrt(fixture(file), imported, rows, float64, k, theirs, theirLabels);

        // Per row: gamma as above, from the float64 weights of the imported model (the Scaler folded in
        // changes the sum by a rounding, not by a factor). Softmax-family outputs move by 2 gamma p.
        double[] w = weights(model);
        double u = float64 ? 0x1p-53 : 0x1p-24;
        double worst = 0;
        double worst32 = 0;
        int labelsChecked = 0;
        for (int i = 0; i < n; i++) {
            double gamma = 0;
            for (int c = 0; c < k; c++) {
                double s = 0;
                int r = w.length == f ? 0 : c; // a binary logistic regression keeps one row, w (the other is -w)
                for (int j = 0; j < f; j++) {
                    s += Math.abs(w[r * f + j] * rows.x()[i * f + j]);
                }
                gamma = Math.max(gamma, (f + 2) * u * (s + 1));
            }
            for (int c = 0; c < k; c++) {
                double a = ours[i * k + c];
                double b = theirs[i * k + c];
                double bound = switch (output) {
                    case PROBABILITIES -> 2 * gamma * a + 0x1p-20 * a + 0x1p-22;
                    case LOG_PROBABILITIES, SCORES -> 2 * gamma + 0x1p-20 * Math.abs(a);
                    case UNNORMALIZED_SIGMOIDS -> throw new AssertionError("no fixture without a Normalizer");
                };
                double err = Math.abs(a - b);
                worst = Math.max(worst, err / bound);
                assertTrue(err <= bound, file + " row " + i + " class " + c + ": ours " + a + ", ONNX Runtime " + b
                        + ", |diff| " + err + " > bound " + bound);
                if (output == OnnxImport.Output.PROBABILITIES) {
                    double q = byClass[c * n + i];
                    assertTrue(Math.abs(q - b) <= bound, file + " row " + i + " class " + c + ": class-major " + q
                            + ", ONNX Runtime " + b);
                    // Float32 on both sides: each score within gamma (ours is the same float32 dot product
                    // bound, FloatAffine), so 4 gamma p; each side's float32 logit z = s - max carries |z| u,
                    // which exp makes relative; the one-vs-rest log-sigmoid adds up to 16 u |s| (its kernel bound).
                    double max = Double.NEGATIVE_INFINITY;
                    for (int d = 0; d < k; d++) {
                        max = Math.max(max, logPotentials[i * k + d]);
                    }
                    double sc = logPotentials[i * k + c];
                    double z = Math.abs(sc - max) + (ovr ? 16 * Math.abs(sc) : 0);
                    double bound32 = 4 * gamma * a + 2 * z * 0x1p-24 * a + 0x1p-20 * a + 0x1p-22;
                    double err32 = Math.abs(byClass32[c * n + i] - b);
                    worst32 = Math.max(worst32, err32 / bound32);
                    assertTrue(err32 <= bound32, file + " row " + i + " class " + c + ": float32 class-major "
                            + byClass32[c * n + i] + ", ONNX Runtime " + b + ", |diff| " + err32 + " > bound " + bound32);
                }
            }
            if (theirLabels[i] != null) {
                assertEquals(theirLabels[i], model.classNames().get(predicted[i]), file + " row " + i + " label");
                assertEquals(theirLabels[i], model.classNames().get(predicted32[i]), file + " row " + i + " float32 label");
                labelsChecked++;
            } else {
                assertEquals(argmax(theirs, i, k), predicted[i], file + " row " + i + " argmax");
                assertEquals(argmax(theirs, i, k), predicted32[i], file + " row " + i + " float32 argmax");
            }
        }
        System.out.printf("%s (%s): %d rows, %d labels compared, worst |diff| / bound %.3f (float32 path %.3f)%n", file,
                backend.backend(), n, labelsChecked, worst, worst32);
    }

    private static void runOrt(Path file, OnnxImport.Result imported, Dataset rows, boolean float64, int k,
                               double[] probs, String[] labels) throws OrtException {
        int n = rows.rows();
        int f = rows.features();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(file.toString(), options)) {
                OnnxTensor input;
                if (float64) {
                    double[] x = new double[n * f];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = rows.x()[i];
                    }
                    input = OnnxTensor.createTensor(env, DoubleBuffer.wrap(x), new long[] {n, f});
                } else {
                    input = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows.x()), new long[] {n, f});
                }
                try (input; OrtSession.Result result = session.run(Map.of(imported.inputName(), input))) {
                    OnnxValue p = result.get(imported.probabilityOutput()).orElseThrow();
                    readProbabilities(p, imported.model().classNames(), n, k, probs);
                    if (imported.labelOutput() != null) {
                        Object l = result.get(imported.labelOutput()).orElseThrow().getValue();
                        for (int i = 0; i < n; i++) {
                            labels[i] = l instanceof long[] ints ? Long.toString(ints[i]) : ((String[]) l)[i];
                        }
                    }
                }
            }
        }
    }

    private static void readProbabilities(OnnxValue p, List<String> classes, int n, int k, double[] out)
            throws OrtException {
        if (p instanceof OnnxSequence seq) {
            // ZipMap: one map per row from class label to probability.
            List<? extends OnnxValue> maps = seq.getValue();
            assertEquals(n, maps.size());
            for (int i = 0; i < n; i++) {
                Map<?, ?> m = ((OnnxMap) maps.get(i)).getValue();
                for (int c = 0; c < k; c++) {
                    Object key = m.keySet().iterator().next() instanceof Long ? (Object) Long.parseLong(classes.get(c)) : classes.get(c);
                    out[i * k + c] = ((Number) m.get(key)).doubleValue();
                }
            }
            return;
        }
        Object v = p.getValue();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                out[i * k + c] = v instanceof float[][] a ? a[i][c] : ((double[][]) v)[i][c];
            }
        }
    }

    private static double[] weights(Classifier model) {
        return switch (model) {
            case SoftmaxRegression s -> s.weights();
            case OneVsRestLogistic o -> o.weights();
            case LogisticRegression l -> l.weights();
            default -> throw new AssertionError(model.kind());
        };
    }

    private static int argmax(double[] v, int row, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) {
            if (v[row * k + c] > v[row * k + best]) {
                best = c;
            }
        }
        return best;
    }

    @Test
    void namesTheUnsupportedOp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxImport.read(fixture("digits_mlp_unsupported.onnx"), kernel));
        assertTrue(e.getMessage().contains("digits_mlp_unsupported.onnx") && e.getMessage().contains("'Relu'"), e.getMessage());
    }

    @Test
    void truncatedFilesAreAClearError(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        byte[] whole = java.nio.file.Files.readAllBytes(fixture("digits_gemm_softmax_opset13.onnx"));
        Path cut = dir.resolve("cut.onnx");
        java.nio.file.Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(cut, kernel));
        assertTrue(e.getMessage().startsWith(cut + ": not a readable ONNX model: "), e.getMessage());
        Path csv = dir.resolve("table.onnx");
        java.nio.file.Files.writeString(csv, "a,b\n1,2\n");
        e = assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(csv, kernel));
        assertTrue(e.getMessage().startsWith(csv + ": not a readable ONNX model: "), e.getMessage());
    }

    @Test
    void classLabelsAndScalerSurviveTheRoundTrip(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        OnnxImport.Result iris = OnnxImport.read(fixture("iris_scaler_logreg_zipmap.onnx"), kernel);
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.model().classNames());
        Path saved = dir.resolve("iris.smx");
        iris.model().save(saved);
        Classifier back = dev.softmaxengine.models.Classifiers.load(saved, kernel);
        assertInstanceOf(SoftmaxRegression.class, back);
        Dataset rows = TestSupport.tabular("iris.csv");
        double[] a = new double[rows.rows() * 3];
        double[] b = new double[rows.rows() * 3];
        iris.model().probabilities(rows.x(), 0, rows.rows(), a);
        back.probabilities(rows.x(), 0, rows.rows(), b);
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 0.0);
        assertEquals("softmax-regression", ModelFile.read(saved).kind());
        // Torch graphs have no labels: classes 0..K-1.
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                OnnxImport.read(fixture("digits_gemm_softmax_opset13.onnx"), kernel).model().classNames());
    }
}
