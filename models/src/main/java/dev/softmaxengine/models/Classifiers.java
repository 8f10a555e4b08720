package dev.softmaxengine.models;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.bayes.BernoulliNaiveBayes;
import dev.softmaxengine.models.bayes.GaussianNaiveBayes;
import dev.softmaxengine.models.bayes.MultinomialNaiveBayes;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linear.LogisticRegression;
import dev.softmaxengine.models.linear.OneVsRestLogistic;
import dev.softmaxengine.models.linear.SoftmaxRegression;
import dev.softmaxengine.models.onnx.OnnxImport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Loads any saved {@link Classifier}, choosing the class by the file's kind. */
public final class Classifiers {
    /** The kinds {@link #load} reads. */
    public static final List<String> KINDS = List.of(SoftmaxRegression.KIND, LogisticRegression.KIND,
            OneVsRestLogistic.KIND, MultinomialNaiveBayes.KIND, BernoulliNaiveBayes.KIND, GaussianNaiveBayes.KIND);

    private Classifiers() {
    }

    /**
     * Whether {@link #load} reads {@code path} as ONNX: by its {@code .onnx} extension.
     *
     * @param path the model file; not null
     * @return true when the file name ends in {@code .onnx}, in any case
     */
    public static boolean isOnnx(Path path) {
        return path.getFileName() != null && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /**
     * Reads the classifier saved at {@code path}, normalizing with {@code kernel}: a {@link ModelFile},
     * or an ONNX graph of a linear classifier ({@code .onnx}, see {@link OnnxImport}).
     *
     * @param path the model file; not null
     * @param kernel the kernel the classifier normalizes with; not null, not owned by it
     * @return the classifier the file holds
     * @throws IOException when the file is unreadable, malformed or holds another kind of model
     */
    public static Classifier load(Path path, SoftmaxKernel kernel) throws IOException {
        if (isOnnx(path)) {
            return OnnxImport.read(path, kernel).model();
        }
        ModelFile file = ModelFile.read(path);
        try {
            return switch (file.kind()) {
                case SoftmaxRegression.KIND -> SoftmaxRegression.from(file, kernel);
                case LogisticRegression.KIND -> LogisticRegression.from(file, kernel);
                case OneVsRestLogistic.KIND -> OneVsRestLogistic.from(file, kernel);
                case MultinomialNaiveBayes.KIND -> MultinomialNaiveBayes.from(file, kernel);
                case BernoulliNaiveBayes.KIND -> BernoulliNaiveBayes.from(file, kernel);
                case GaussianNaiveBayes.KIND -> GaussianNaiveBayes.from(file, kernel);
                default -> throw new IOException(path + " holds a " + file.kind() + " model, not a classifier (one of "
                        + KINDS + ")");
            };
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }
}
