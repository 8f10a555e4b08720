package dev.softmaxengine.cli.sequence;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.sequence.ChainInference;
import dev.softmaxengine.models.sequence.ChunkEvaluator;
import dev.softmaxengine.models.sequence.ConllSentence;
import dev.softmaxengine.models.sequence.CrfTrainer;
import dev.softmaxengine.models.sequence.FeatureTemplate;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code crf-chunk}: trains a linear-chain CRF chunker on CoNLL-2000 and scores it with conlleval. */
@Command(name = "crf-chunk",
        mixinStandardHelpOptions = true,
        description = {"Chunking with a linear-chain CRF on CoNLL-2000 (words and POS tags in, IOB chunk tags out):"
                + " L-BFGS on the L2-regularized conditional log-likelihood, forward-backward batched on the kernel;"
                + " prints conlleval's chunk precision, recall and F1, training time and decoding tokens/s."})
public final class CrfChunkCommand implements Callable<Integer> {
    @Mixin
    SequenceOptions options;

    @Option(names = "--iterations", defaultValue = "100", description = "L-BFGS iterations at most (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--l2", defaultValue = "1.0",
            description = "L2 penalty: the Gaussian prior's precision 1/sigma^2 (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--tolerance", defaultValue = "1e-7",
            description = "L-BFGS relative gradient and decrease tolerance (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--min-count", defaultValue = "1",
            description = "Drop attributes seen fewer times in training (default: ${DEFAULT-VALUE}).")
    int minCount;

    @Option(names = "--template", description = "Feature template file, FeatureTemplate syntax (default: the built-in chunking template; the one used is printed).")
    Path template;

    @Option(names = "--progress", defaultValue = "10", description = "Print the objective every N iterations; 0: never (default: ${DEFAULT-VALUE}).")
    int progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        FeatureTemplate features = FeatureTemplate.parse(template == null ? FeatureTemplate.CHUNKING : Files.readString(template));
        CrfTrainer.Options o = new CrfTrainer.Options(l2, iterations, tolerance, minCount);
        List<ConllSentence> train = options.train();
        List<ConllSentence> test = options.test();
        try (SoftmaxKernel kernel = options.kernel()) {
            ChainInference inference = options.inference(kernel);
            out.printf(Locale.ROOT, "CoNLL-2000 chunking: %d training sentences (%d tokens), %d test sentences (%d tokens);"
                            + " backend %s (%s), %d threads, batches of %d%n",
                    train.size(), SequenceOptions.tokens(train), test.size(), SequenceOptions.tokens(test),
                    kernel.backend(), kernel.device(), inference.threads(), inference.batchSize());
            out.printf(Locale.ROOT, "template: %s%n", features);
            out.flush();
            long t0 = System.nanoTime();
            double cpu0 = SequenceOptions.cpuSeconds();
            CrfTrainer.Result fit = CrfTrainer.train(inference, features, train.stream().map(ConllSentence::words).toList(),
                    train.stream().map(ConllSentence::pos).toList(), train.stream().map(ConllSentence::chunks).toList(), o,
                    (it, f, g, evals) -> {
                        if (progress > 0 && it % progress == 0) {
                            out.printf(Locale.ROOT, "  iteration %4d  objective %.4f  |gradient|max %.3g  evaluations %d  %.1f s%n",
                                    it, f, g, evals, (System.nanoTime() - t0) / 1e9);
                            out.flush();
                        }
                    });
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            double trainCpu = SequenceOptions.cpuSeconds() - cpu0;
            out.printf(Locale.ROOT, "trained in %.1f s (%.1f CPU s): %d iterations, %d evaluations, stopped by %s;"
                            + " %d attributes, %d weights, %d labels%n",
                    trainSeconds, trainCpu, fit.optimization().iterations(), fit.optimization().evaluations(),
                    fit.optimization().termination(), fit.model().attributes(), fit.model().parameters(),
                    fit.model().labels().size());
            List<String[]> words = test.stream().map(ConllSentence::words).toList();
            List<String[]> pos = test.stream().map(ConllSentence::pos).toList();
            // Once to compile the decoding path, once timed.
            fit.model().tag(inference, words, pos);
            long t1 = System.nanoTime();
            List<String[]> guess = fit.model().tag(inference, words, pos);
            double decodeSeconds = (System.nanoTime() - t1) / 1e9;
            ChunkEvaluator.Result result = ChunkEvaluator.evaluate(test.stream().map(ConllSentence::chunks).toList(), guess);
            out.print(result.report());
            out.printf(Locale.ROOT, "chunk F1 %.4f; decoding: %.0f tokens/s (feature extraction and Viterbi)%n",
                    result.overall().f1(), SequenceOptions.tokens(test) / decodeSeconds);
        }
        out.flush();
        return 0;
    }
}
