package dev.softmaxengine.models.data;

/**
 * Per-feature z-scoring {@code x' = (x - mean) / scale}, fitted on a training set. Linear models
 * train on standardized features for conditioning and then {@link #foldInto fold} the transform into
 * their weights, so a saved model scores raw features. A constant feature gets scale 1.
 */
public final class Standardization {
    private final double[] mean;
    private final double[] scale;

    private Standardization(double[] mean, double[] scale) {
        this.mean = mean;
        this.scale = scale;
    }

    /**
     * Mean and population standard deviation of every feature of {@code data}.
     *
     * @param data the training rows
     * @return the transform; a constant feature gets scale 1, so it maps to 0
     */
    public static Standardization fit(Dataset data) {
        int n = data.rows();
        int d = data.features();
        float[] x = data.x();
        double[] mean = new double[d];
        double[] m2 = new double[d];
        // Welford's update: one pass, no cancellation for features with a large offset (breast cancer areas ~1e3).
        for (int i = 0; i < n; i++) {
            int base = i * d;
            for (int j = 0; j < d; j++) {
                double v = x[base + j];
                double delta = v - mean[j];
                mean[j] += delta / (i + 1);
                m2[j] += delta * (v - mean[j]);
            }
        }
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            double sd = n > 0 ? Math.sqrt(m2[j] / n) : 0;
            scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mean[j])) ? sd : 1.0;
        }
        return new Standardization(mean, scale);
    }

    /**
     * A standardized copy of {@code data}.
     *
     * @param data rows with the same features as those fitted
     * @return a new dataset of {@code (x - mean) / scale}, same labels and classes
     */
    public Dataset apply(Dataset data) {
        int d = mean.length;
        if (data.features() != d) {
            throw new IllegalArgumentException("data has " + data.features() + " features, standardization was fitted on " + d);
        }
        float[] x = data.x();
        float[] out = new float[x.length];
        for (int i = 0; i < data.rows(); i++) {
            int base = i * d;
            for (int j = 0; j < d; j++) {
                out[base + j] = (float) ((x[base + j] - mean[j]) / scale[j]);
            }
        }
        return new Dataset(out, data.labels(), d, data.classNames());
    }

    /**
     * Rewrites weights learned on standardized features to act on raw ones:
     * {@code w . (x - mean) / scale + b = (w / scale) . x + (b - w . (mean / scale))}.
     *
     * @param weights {@code rows x features}, row-major, rewritten in place
     * @param bias one per weight row, rewritten in place
     */
    public void foldInto(double[] weights, double[] bias) {
        int d = mean.length;
        if (weights.length != bias.length * d) {
            throw new IllegalArgumentException("weights has " + weights.length + " elements, " + bias.length + " rows of "
                    + d + " features need " + bias.length * d);
        }
        for (int k = 0; k < bias.length; k++) {
            double shift = 0;
            for (int j = 0; j < d; j++) {
                double w = weights[k * d + j] / scale[j];
                weights[k * d + j] = w;
                shift += w * mean[j];
            }
            bias[k] -= shift;
        }
    }

    /**
     * The number of features fitted.
     *
     * @return the length of the mean and scale vectors
     */
    public int features() {
        return mean.length;
    }
}
