package dev.softmaxengine.bench.models;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.linalg.ClassMajorArgmax;
import dev.softmaxengine.models.onnx.OnnxImport;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Rows per second scoring one {@code .onnx} linear classifier two ways over the same float32 rows
 * in memory, in batches: imported into this project ({@link OnnxImport}: the float32 Vector API GEMM, the
 * kernel's float32 softmax and {@link ClassMajorArgmax} across the rows of class-major scores, as {@code models score} runs
 * them, probabilities and labels into a caller's arrays) and as an ONNX
 * Runtime session (inputs bound once, outputs pinned into direct buffers, so each call is
 * {@code session.run} alone). Equal threads: ours splits the batches over {@code threads} threads,
 * ORT gets {@code threads} intra-op threads. The two alternate rep by rep so that drift on a
 * shared machine hits both; the table gives the median and best of each.
 */
public final class OnnxScoringComparison {

    /** One contender's rows/s per rep. */
    public record Result(String name, double[] rowsPerSecond) {
        public double median() {
            double[] s = rowsPerSecond.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        public double best() {
            return Arrays.stream(rowsPerSecond).max().orElse(Double.NaN);
        }
    }

    /** Both contenders on one model, and how far apart their answers were. */
    public record Comparison(Result ours, Result ort, double maxProbabilityDiff, long labelMismatches) {
        public double ratio() {
            return ours.median() / ort.median();
        }
    }

    private OnnxScoringComparison() {
    }

    /**
     * @param x row-major {@code rows x features} float32; {@code rows} a multiple of {@code batch} is not required
     * @param seconds about how long each contender runs per rep
     */
    public static Comparison run(Path onnx, SoftmaxKernel kernel, float[] x, int rows, int batch, int threads, int reps,
                                 double seconds, PrintWriter log) throws Exception {
        OnnxImport.Result imported = OnnxImport.read(onnx, kernel);
        Classifier model = imported.model();
        int f = model.features();
        int k = model.classes();
        if ((long) rows * f != x.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, not " + rows + " rows of " + f);
        }
        int batches = (rows + batch - 1) / batch;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(onnx.toString(), options)) {
                // Inputs bound once per batch; outputs pinned: ORT writes straight into our direct buffers.
                List<OnnxTensor> inputs = new ArrayList<>();
                List<Map<String, OnnxValue>> pinned = new ArrayList<>();
                List<FloatBuffer> ortProbabilities = new ArrayList<>();
                List<LongBuffer> ortLabels = new ArrayList<>();
                for (int b = 0; b < batches; b++) {
                    int m = Math.min(batch, rows - b * batch);
                    FloatBuffer in = direct(m * f);
                    in.put(x, b * batch * f, m * f).rewind();
                    inputs.add(OnnxTensor.createTensor(env, in, new long[] {m, f}));
                    Map<String, OnnxValue> outs = new HashMap<>();
                    FloatBuffer p = direct(m * k);
                    outs.put(imported.probabilityOutput(), OnnxTensor.createTensor(env, p, new long[] {m, k}));
                    ortProbabilities.add(p);
                    if (imported.labelOutput() != null) {
                        LongBuffer l = ByteBuffer.allocateDirect(m * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
                        outs.put(imported.labelOutput(), OnnxTensor.createTensor(env, l, new long[] {m}));
                        ortLabels.add(l);
                    }
                    pinned.add(outs);
                }
                requireTensorOutputs(session, imported);
                String inputName = imported.inputName();

                Runnable ort = () -> {
                    try {
                        for (int b = 0; b < batches; b++) {
                            session.run(Map.of(inputName, inputs.get(b)), pinned.get(b)).close();
                        }
                    } catch (OrtException e) {
                        throw new IllegalStateException(e);
                    }
                };
                float[][] ourP = new float[threads][batch * k];
                int[][] ourLabels = new int[batches][];
                double[] firstBatch = new double[Math.min(batch, rows) * k];
                Runnable ours = () -> {
                    List<Future<?>> parts = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        final int id = t;
                        parts.add(pool.submit(() -> {
                            float[] p = ourP[id];
                            for (int b = id; b < batches; b += threads) {
                                int m = Math.min(batch, rows - b * batch);
                                // As BatchScorer (models score) does it: class-major float32 probabilities, argmax over the classes.
                                model.probabilitiesByClass(x, b * batch, m, p);
                                int[] labels = ourLabels[b] != null && ourLabels[b].length == m ? ourLabels[b] : new int[m];
                                ClassMajorArgmax.argmax(p, k, m, labels);
                                ourLabels[b] = labels;
                                if (b == 0) {
                                    for (int c = 0; c < k; c++) {
                                        for (int i = 0; i < m; i++) {
                                            firstBatch[i * k + c] = p[c * m + i];
                                        }
                                    }
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> part : parts) {
                        try {
                            part.get();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                };

                // Warm-up: both JITs / ORT's arenas, until a pass takes about as long as the last.
                for (int i = 0; i < 3; i++) {
                    time(ours, seconds / 2, rows);
                    time(ort, seconds / 2, rows);
                }
                double[] oursRate = new double[reps];
                double[] ortRate = new double[reps];
                for (int r = 0; r < reps; r++) {
                    oursRate[r] = time(ours, seconds, rows);
                    ortRate[r] = time(ort, seconds, rows);
                    if (log != null) {
                        log.printf(Locale.ROOT, "  rep %d: softmax-engine %.0f rows/s, ONNX Runtime %.0f rows/s%n", r + 1,
                                oursRate[r], ortRate[r]);
                        log.flush();
                    }
                }

                // The same answers: probabilities of the first batch, labels of every row.
                double diff = 0;
                boolean probabilities = imported.output() == OnnxImport.Output.PROBABILITIES;
                FloatBuffer p0 = ortProbabilities.getFirst();
                for (int i = 0; probabilities && i < firstBatch.length; i++) {
                    diff = Math.max(diff, Math.abs(firstBatch[i] - p0.get(i)));
                }
                long mismatches = 0;
                if (!ortLabels.isEmpty()) {
                    for (int b = 0; b < batches; b++) {
                        for (int i = 0; i < ourLabels[b].length; i++) {
                            if (!model.classNames().get(ourLabels[b][i]).equals(Long.toString(ortLabels.get(b).get(i)))) {
                                mismatches++;
                            }
                        }
                    }
                }
                for (OnnxTensor t : inputs) {
                    t.close();
                }
                for (Map<String, OnnxValue> outs : pinned) {
                    outs.values().forEach(OnnxValue::close);
                }
                return new Comparison(new Result("softmax-engine", oursRate), new Result("ONNX Runtime", ortRate),
                        probabilities ? diff : Double.NaN, mismatches);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void requireTensorOutputs(OrtSession session, OnnxImport.Result imported) throws OrtException {
        for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo)) {
                throw new IllegalArgumentException("output '" + e.getKey() + "' is not a tensor (a ZipMap?); the speed"
                        + " comparison needs a graph without ZipMap (skl2onnx: options={'zipmap': False})");
            }
        }
        if (imported.labelOutput() != null
                && ((TensorInfo) session.getOutputInfo().get(imported.labelOutput()).getInfo()).type != OnnxJavaType.INT64) {
            throw new IllegalArgumentException("label output '" + imported.labelOutput() + "' is not int64; the speed"
                    + " comparison pins outputs into direct buffers, which string tensors cannot be");
        }
        if (imported.labelOutput() == null && session.getOutputInfo().size() != 1) {
            throw new IllegalArgumentException("expected one output, the graph has " + session.getOutputInfo().keySet());
        }
    }

    /** Passes over all rows for at least {@code seconds}; rows per second. */
    private static double time(Runnable pass, double seconds, int rows) {
        long t0 = System.nanoTime();
        long n = 0;
        do {
            pass.run();
            n += rows;
        } while (System.nanoTime() - t0 < seconds * 1e9);
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
