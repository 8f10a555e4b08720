package dev.softmaxengine.models.optim;

/** A smooth objective to minimize: its value and gradient at a point. */
@FunctionalInterface
public interface DifferentiableFunction {

    /**
     * Returns {@code f(x)} and writes {@code grad f(x)} into {@code gradient} (same length as
     * {@code x}, fully overwritten). Must not modify {@code x}.
     *
     * @param x the point
     * @param gradient receives the gradient at {@code x}
     * @return the value at {@code x}
     */
    double valueAndGradient(double[] x, double[] gradient);
}
