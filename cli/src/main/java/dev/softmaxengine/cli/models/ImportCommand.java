package dev.softmaxengine.cli.models;

import dev.softmaxengine.cli.BackendOption;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.io.NpyArray;
import dev.softmaxengine.models.linear.SoftmaxRegression;
import dev.softmaxengine.models.onnx.OnnxImport;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code models import}: a model trained elsewhere (ONNX, or .npy weights) saved as a model file (safetensors). */
@Command(name = "import",
        mixinStandardHelpOptions = true,
        description = {"Converts a model trained elsewhere into a saved model (safetensors) that score, eval and the Spark"
                + " scorer read.",
                "--onnx: a linear classifier graph (skl2onnx LinearClassifier, PyTorch Linear + Softmax; see models/README.md).",
                "--weights: softmax(W x + b) from .npy arrays, W as [classes, features] (or [features, classes] with --transpose)."})
final class ImportCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--onnx", paramLabel = "MODEL.onnx", description = "An ONNX linear classifier.")
        Path onnx;

        @Option(names = "--weights", paramLabel = "W.npy", description = "Weights, float32 or float64.")
        Path weights;
    }

    @Option(names = "--bias", paramLabel = "B.npy", description = "With --weights: one bias per class (default: zeros).")
    Path bias;

    @Option(names = "--classes", split = ",", paramLabel = "NAME",
            description = "With --weights: the class names, in row order (default: 0 .. K-1).")
    List<String> classes;

    @Option(names = "--transpose", description = "With --weights: W is [features, classes] (as x @ W + b).")
    boolean transpose;

    @Option(names = "--out", required = true, description = "Where to save the model.")
    Path output;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (source.onnx != null && (bias != null || classes != null || transpose)) {
            throw new IllegalArgumentException("--bias, --classes and --transpose go with --weights, not --onnx");
        }
        try (SoftmaxKernel kernel = backend.create()) {
            Classifier model;
            String what;
            if (source.onnx != null) {
                OnnxImport.Result r = OnnxImport.read(source.onnx, kernel);
                model = r.model();
                what = source.onnx + " (graph output '" + r.probabilityOutput() + "': "
                        + r.output().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
            } else {
                model = fromNpy(kernel);
                what = source.weights.toString();
            }
            model.save(output);
            out.printf(Locale.ROOT, "imported %s: %s, %d classes %s x %d features; saved to %s%n", what, model.kind(),
                    model.classes(), abbreviate(model.classNames()), model.features(), output);
        }
        out.flush();
        return 0;
    }

    private SoftmaxRegression fromNpy(SoftmaxKernel kernel) throws IOException {
        double[] w;
        int k;
        int f;
        try (NpyArray a = NpyArray.open(source.weights)) {
            long[] dims = a.tensor().shape().dims();
            if (dims.length != 2 || dims[0] < 1 || dims[1] < 1) {
                throw new IllegalArgumentException(source.weights + ": weights must be a matrix, shape was " + a.tensor().shape());
            }
            double[] raw = doubles(a.tensor());
            k = (int) (transpose ? dims[1] : dims[0]);
            f = (int) (transpose ? dims[0] : dims[1]);
            w = new double[k * f];
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < f; j++) {
                    w[c * f + j] = transpose ? raw[j * k + c] : raw[c * f + j];
                }
            }
        }
        double[] b = new double[k];
        if (bias != null) {
            try (NpyArray a = NpyArray.open(bias)) {
                if (a.tensor().size() != k) {
                    throw new IllegalArgumentException(bias + ": " + a.tensor().size() + " biases for " + k + " classes (W "
                            + (transpose ? "[features, classes]" : "[classes, features]") + ")");
                }
                b = doubles(a.tensor());
            }
        }
        List<String> names = classes;
        if (names == null) {
            String[] generated = new String[k];
            Arrays.setAll(generated, Integer::toString);
            names = List.of(generated);
        } else if (names.size() != k) {
            throw new IllegalArgumentException("--classes names " + names.size() + " classes, the weights have " + k
                    + (transpose ? " columns" : " rows") + (transpose ? "" : " (use --transpose for [features, classes])"));
        }
        for (double v : w) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(source.weights + ": weights must be finite, found " + v);
            }
        }
        return new SoftmaxRegression(kernel, w, b, names);
    }

    private static double[] doubles(Tensor t) {
        double[] out = new double[(int) t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.get(i);
        }
        return out;
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + "...";
    }
}
