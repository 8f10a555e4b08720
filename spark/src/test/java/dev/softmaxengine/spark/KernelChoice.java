package dev.softmaxengine.spark;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.linear.SoftmaxRegression;

import java.util.List;

/**
 * An executor's choice of kernel, made in a JVM of {@link LaunchTest}'s choosing: prints the
 * backend {@code args[0]} resolves to and P(class 0) of a two-class softmax regression scored as the
 * executors score it, or fails as they would.
 */
final class KernelChoice {
    private KernelChoice() {
    }

    public static void main(String[] args) {
        SoftmaxKernel kernel = ExecutorKernels.kernel(args[0]);
        SoftmaxRegression model = new SoftmaxRegression(kernel, new double[] {1, 0, 0, 1}, new double[] {0, 0},
                List.of("a", "b"));
        double[] p = new double[2];
        BatchModel scorer = BatchModel.of(model);
        scorer.scores(new float[] {2, 0}, 1, p, 0, 1, new double[2]);
        scorer.normalize(p, 1, new int[1]);
        System.out.println(kernel.backend() + " " + p[0]);
    }
}
