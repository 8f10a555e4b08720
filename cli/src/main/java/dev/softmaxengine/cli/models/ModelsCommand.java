package dev.softmaxengine.cli.models;

import dev.softmaxengine.cli.BackendOption;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.BatchScorer;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Evaluation;
import dev.softmaxengine.models.bayes.BernoulliNaiveBayes;
import dev.softmaxengine.models.bayes.GaussianNaiveBayes;
import dev.softmaxengine.models.bayes.MultinomialNaiveBayes;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.RowSource;
import dev.softmaxengine.models.linear.LinearTrainer;
import dev.softmaxengine.models.linalg.HostTensors;
import dev.softmaxengine.models.linear.SoftmaxRegression;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code models}: the models job. Alone, it trains softmax regression and the three naive Bayes
 * models on a tabular set (digits by default), every 5th row held out, and prints their accuracy,
 * training time and the scoring throughput; {@code models train | score | eval} do one step each.
 */
@Command(name = "models",
        mixinStandardHelpOptions = true,
        subcommands = {TrainCommand.class, ScoreCommand.class, EvalCommand.class, ImportCommand.class},
        description = {"Gibbs-distribution classifiers on the engine's kernels.",
                "Without a subcommand: trains softmax regression and multinomial, Bernoulli and Gaussian naive Bayes on"
                        + " --data (every 5th row held out) and prints test accuracy, training time and scoring rows/s."})
public final class ModelsCommand implements Callable<Integer> {
    /** Hyperparameters of the job on digits. */
    static final double DIGITS_ALPHA = 1.0;
    static final double DIGITS_BERNOULLI_THRESHOLD = 4;
    static final double DIGITS_VAR_SMOOTHING = 1e-2;
    /** Long enough for a stable rows/s once the JIT has compiled the scoring path. */
    private static final double THROUGHPUT_SECONDS = 1.0;
    private static final double WARMUP_SECONDS = 0.5;
    private static final int BATCH = 1024;

    @Option(names = "--data", defaultValue = DataSpec.DEFAULT_DIGITS,
            description = {DataSpec.HELP, "Default: ${DEFAULT-VALUE} (from the project root)."})
    String data;

    @Mixin
    BackendOption backend;

    @Option(names = "--alpha", defaultValue = "" + DIGITS_ALPHA,
            description = "L2 penalty of softmax regression (default: ${DEFAULT-VALUE}, chosen for digits).")
    double alpha;

    @Option(names = "--threads", description = "Threads for the gradient (default: the available processors).")
    Integer threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        DataSpec source = DataSpec.parse(data);
        Dataset.Split split = source.read().holdOutEvery(5);
        try (SoftmaxKernel kernel = backend.create()) {
            out.printf(Locale.ROOT, "%s: %d training rows, %d test rows (every 5th), %d features, %d classes; backend %s (%s)%n",
                    source, split.train().rows(), split.test().rows(), split.train().features(), split.train().classes(),
                    kernel.backend(), kernel.device());
            out.printf(Locale.ROOT, "%n%-26s  %9s  %8s  %8s%n", "model", "train s", "accuracy", "log-loss");
            LinearTrainer trainer = new LinearTrainer(kernel).alpha(alpha);
            if (threads != null) {
                trainer.threads(threads);
            }
            SoftmaxRegression softmax = row(out, "softmax regression", split, () -> trainer.softmax(split.train()).model());
            row(out, "multinomial naive Bayes", split, () -> MultinomialNaiveBayes.fit(kernel, split.train(), 1.0));
            row(out, "Bernoulli naive Bayes", split,
                    () -> BernoulliNaiveBayes.fit(kernel, split.train(), 1.0, DIGITS_BERNOULLI_THRESHOLD));
            row(out, "Gaussian naive Bayes", split, () -> GaussianNaiveBayes.fit(kernel, split.train(), DIGITS_VAR_SMOOTHING));

            double inMemory = throughput(softmax, split.test());
            BatchScorer.Summary streamed;
            try (RowSource rows = source.open()) {
                streamed = new BatchScorer(softmax, BATCH).score(rows, null, null);
            }
            out.printf(Locale.ROOT, "%nscoring, softmax regression, batches of %d: %.0f rows/s in memory after warm-up (GEMM + %s"
                    + " softmax + argmax); %.0f rows/s streaming all %d rows of the file (parsing included)%n",
                    BATCH, inMemory, kernel.backend(), streamed.rowsPerSecond(), streamed.rows());
        }
        out.flush();
        return 0;
    }

    private static <M extends Classifier> M row(PrintWriter out, String name, Dataset.Split split, Supplier<M> fit) {
        long t0 = System.nanoTime();
        M model = fit.get();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Evaluation e = Evaluation.of(model, split.test());
        out.printf(Locale.ROOT, "%-26s  %9.3f  %8.4f  %8.4f%n", name, seconds, e.accuracy(), e.logLoss());
        out.flush();
        return model;
    }

    /**
     * Rows per second of {@link Classifier#probabilities} plus argmax over {@code data}, repeated for
     * a second after half a second of warm-up (until the JIT has compiled the GEMM and the kernel,
     * a short run measures the interpreter).
     */
    static double throughput(Classifier model, Dataset data) {
        passes(model, data, WARMUP_SECONDS);
        long t0 = System.nanoTime();
        long rows = passes(model, data, THROUGHPUT_SECONDS);
        return rows / ((System.nanoTime() - t0) / 1e9);
    }

    /** Scores all of {@code data} again and again for at least {@code seconds}; returns the rows scored. */
    private static long passes(Classifier model, Dataset data, double seconds) {
        int k = model.classes();
        double[] p = new double[BATCH * k];
        long rows = 0;
        long t0 = System.nanoTime();
        do {
            for (int r0 = 0; r0 < data.rows(); r0 += BATCH) {
                int m = Math.min(BATCH, data.rows() - r0);
                model.probabilities(data.x(), r0, m, p);
                int[] predicted = new int[m];
                model.kernel().argmax(HostTensors.matrix(p, m, k), predicted, -1);
                rows += m;
            }
        } while (System.nanoTime() - t0 < seconds * 1e9);
        return rows;
    }
}
