package dev.softmaxengine.models.linear;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.linalg.FloatAffine;
import dev.softmaxengine.models.linalg.Gemm;
import dev.softmaxengine.models.linalg.HostTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A classifier whose log-potentials start from one affine map {@code W x + b} ({@code W} of
 * {@code K x d}, {@code b} of {@code K}): the weights, their checks, their file layout
 * ({@code classes}, {@code weights}, {@code bias}) and the batch GEMM, shared by
 * {@link SoftmaxRegression} and {@link OneVsRestLogistic}, which differ in what they make of it.
 * The float64 weights serve training and the float64 outputs; batch scoring
 * ({@link #probabilitiesByClass(float[], int, int, float[])}) runs on a float32 copy packed once
 * here ({@link FloatAffine}).
 */
public abstract sealed class AffineClassifier implements Classifier permits SoftmaxRegression, OneVsRestLogistic {
    private final SoftmaxKernel kernel;
    private final double[] weights;
    private final double[] bias;
    private final int features;
    private final List<String> classNames;
    private final FloatAffine scoring;

    /**
     * @param weights row-major {@code classes x features} (copied)
     * @param bias one per class (copied)
     */
    AffineClassifier(SoftmaxKernel kernel, double[] weights, double[] bias, List<String> classNames) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        if (classNames == null || classNames.size() < 2) {
            throw new IllegalArgumentException("classNames must name >= 2 classes, was " + classNames);
        }
        int k = classNames.size();
        if (bias == null || bias.length != k) {
            throw new IllegalArgumentException("bias must have " + k + " elements (one per class), had "
                    + (bias == null ? "null" : bias.length));
        }
        if (weights == null || weights.length == 0 || weights.length % k != 0) {
            throw new IllegalArgumentException("weights must have classes x features elements for " + k + " classes, had "
                    + (weights == null ? "null" : weights.length));
        }
        this.kernel = kernel;
        this.weights = weights.clone();
        this.bias = bias.clone();
        this.features = weights.length / k;
        this.classNames = List.copyOf(classNames);
        this.scoring = new FloatAffine(this.weights, this.bias, k, features);
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public SoftmaxKernel kernel() {
        return kernel;
    }

    /**
     * The weights {@code W}.
     *
     * @return a copy, row-major {@code classes x features}
     */
    public double[] weights() {
        return weights.clone();
    }

    /**
     * The bias {@code b}.
     *
     * @return a copy, one value per class
     */
    public double[] bias() {
        return bias.clone();
    }

    /**
     * {@code W x + b} of rows [row, row + rows) of x into out: row-major ({@code byClass} false) or
     * class-major (strides 1, rows).
     */
    final void affine(float[] x, int row, int rows, double[] out, boolean byClass) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        int k = classNames.size();
        Gemm.affine(x, row * features, rows, features, weights, bias, k, out, 0, byClass ? 1 : k, byClass ? rows : 1);
    }

    /** {@code W x + b} of rows [row, row + rows) of x into out, class-major, in float32 ({@link FloatAffine}). */
    final void affine(float[] x, int row, int rows, float[] out) {
        checkBatch(x, row, rows, out == null ? 0 : out.length);
        scoring.applyByClass(x, row * features, rows, out);
    }

    /**
     * The log-potentials class-major in float32 ({@code out[c * rows + i]}), from
     * {@link #affine(float[], int, int, float[])}.
     */
    abstract void scoresByClass(float[] x, int row, int rows, float[] out);

    /** Float32 throughout: the packed float32 GEMM, then the kernel's float32 softmax across the rows. */
    @Override
    public final void probabilitiesByClass(float[] x, int row, int rows, float[] out) {
        scoresByClass(x, row, rows, out);
        Tensor t = HostTensors.matrix(out, classNames.size(), rows);
        kernel.softmax(t, t, 0);
    }

    @Override
    public void save(Path path) throws IOException {
        ModelFile.builder(kind())
                .attribute("classes", classNames)
                .doubles("weights", weights, classNames.size(), features)
                .doubles("bias", bias, classNames.size())
                .build()
                .write(path);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + classNames.size() + " classes x " + features + " features]";
    }
}
