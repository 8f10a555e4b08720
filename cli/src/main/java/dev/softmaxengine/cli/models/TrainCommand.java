package dev.softmaxengine.cli.models;

import dev.softmaxengine.cli.BackendOption;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Evaluation;
import dev.softmaxengine.models.bayes.BernoulliNaiveBayes;
import dev.softmaxengine.models.bayes.GaussianNaiveBayes;
import dev.softmaxengine.models.bayes.MultinomialNaiveBayes;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.linear.LinearTrainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code models train}: fits one model, reports its accuracy, optionally saves it. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = {"Trains a classifier and prints its training and test accuracy.",
                "Linear models maximize sum log P(y|x) - alpha * sum w^2 with L-BFGS (biases not penalized)."})
final class TrainCommand implements Callable<Integer> {

    /** The model families {@code --model} accepts. */
    enum Family { softmax, logistic, multinomial_nb, bernoulli_nb, gaussian_nb }

    @Option(names = "--data", required = true, description = DataSpec.HELP)
    String data;

    @Option(names = "--holdout",
            description = "Hold out every K-th row for the test (0: train on all rows). Default: 5 for a CSV or .npy, 0 for Fashion-MNIST.")
    Integer holdout;

    @Option(names = "--test", description = "Evaluate on these rows instead of the held-out ones (same forms as --data).")
    String test;

    @Option(names = "--model", defaultValue = "softmax", converter = FamilyConverter.class,
            description = "softmax, logistic, multinomial-nb, bernoulli-nb or gaussian-nb (default: ${DEFAULT-VALUE}).")
    Family family;

    @Option(names = "--alpha", defaultValue = "1e-4", description = "L2 penalty of the linear models (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--tol", defaultValue = "1e-9", description = "L-BFGS relative tolerance (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--max-iter", defaultValue = "1000", description = "L-BFGS iteration limit (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--threads", description = "Threads for the gradient (default: the available processors).")
    Integer threads;

    @Option(names = "--no-standardize", negatable = false,
            description = "Optimize on raw features instead of z-scored ones (the penalty then acts on raw weights).")
    boolean noStandardize;

    @Option(names = "--smoothing", defaultValue = "1.0",
            description = "Additive smoothing of multinomial / Bernoulli naive Bayes; 1 = Laplace (default: ${DEFAULT-VALUE}).")
    double smoothing;

    @Option(names = "--threshold", defaultValue = "0",
            description = "Bernoulli naive Bayes: a feature is on when > this (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--var-smoothing", defaultValue = "1e-9",
            description = "Gaussian naive Bayes: fraction of the largest variance added to all (default: ${DEFAULT-VALUE}).")
    double varSmoothing;

    @Option(names = "--progress", description = "Print every L-BFGS iteration to stderr.")
    boolean progress;

    @Option(names = "--out", description = "Save the trained model here (safetensors, readable from Python).")
    Path output;

    @Mixin
    TableOptions table;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // Before training, which may take minutes, rather than when saving.
        if (output != null && java.nio.file.Files.isDirectory(output)) {
            throw new IllegalArgumentException("--out " + output + ": is a directory");
        }
        DataSpec source = DataSpec.parse(data);
        int k = holdout != null ? holdout : (source.fashionDir() == null ? 5 : 0);
        Dataset train = source.read(table, null, -1, k, false);
        // The test rows' labels are mapped onto the training classes, so the two number them alike.
        Dataset testRows = test != null ? DataSpec.parse(test).read(table, train.classNames(), train.features())
                : (k > 0 ? source.read(table, train.classNames(), train.features(), k, true) : null);
        try (SoftmaxKernel kernel = backend.create()) {
            out.printf(Locale.ROOT, "training %s on %s: %d rows x %d features, %d classes; backend %s%n",
                    family.name().replace('_', '-'), source, train.rows(), train.features(), train.classes(), kernel.backend());
            out.flush();
            long t0 = System.nanoTime();
            Classifier model = fit(kernel, train, out, err);
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT, "trained in %.3f s%n", seconds);
            out.printf(Locale.ROOT, "train: %s%n", Evaluation.of(model, train));
            if (testRows != null) {
                out.printf(Locale.ROOT, "test (%s): %s%n", test != null ? test : "every " + k + "th row", Evaluation.of(model, testRows));
            }
            if (output != null) {
                model.save(output);
                // The table's column names go with the model, so that score picks the same columns by name.
                List<String> names = source.featureNames(table);
                if (names != null) {
                    ModelFile.read(output).withAttribute(TableOptions.FEATURE_NAMES, names)
                            .write(output);
                }
                out.println("saved " + model.kind() + " to " + output);
            }
        }
        out.flush();
        return 0;
    }

    private Classifier fit(SoftmaxKernel kernel, Dataset train, PrintWriter out, PrintWriter err) {
        return switch (family) {
            case softmax, logistic -> {
                LinearTrainer trainer = new LinearTrainer(kernel).alpha(alpha).tolerance(tolerance)
                        .maxIterations(maxIterations).standardize(!noStandardize);
                if (threads != null) {
                    trainer.threads(threads);
                }
                if (progress) {
                    trainer.listener((it, f, g, evals) -> {
                        err.printf(Locale.ROOT, "iteration %4d  objective %.8e  max|grad| %.3e  evaluations %d%n", it, f, g, evals);
                        err.flush();
                    });
                }
                LinearTrainer.Training<? extends Classifier> t = family == Family.softmax
                        ? trainer.softmax(train) : trainer.logistic(train);
                out.printf(Locale.ROOT, "L-BFGS: %d iterations, %d evaluations, objective %.6e, stopped by %s%n",
                        t.optimization().iterations(), t.optimization().evaluations(), t.optimization().value(),
                        t.optimization().termination());
                yield t.model();
            }
            case multinomial_nb -> MultinomialNaiveBayes.fit(kernel, train, smoothing);
            case bernoulli_nb -> BernoulliNaiveBayes.fit(kernel, train, smoothing, threshold);
            case gaussian_nb -> GaussianNaiveBayes.fit(kernel, train, varSmoothing);
        };
    }

    /** Accepts the family names with dashes, as the help writes them. */
    static final class FamilyConverter implements picocli.CommandLine.ITypeConverter<Family> {
        @Override
        public Family convert(String value) {
            try {
                return Family.valueOf(value.trim().toLowerCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a model; use softmax, logistic, multinomial-nb, bernoulli-nb or gaussian-nb");
            }
        }
    }
}
