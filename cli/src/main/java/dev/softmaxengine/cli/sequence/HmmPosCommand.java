package dev.softmaxengine.cli.sequence;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.sequence.ChainInference;
import dev.softmaxengine.models.sequence.ConllSentence;
import dev.softmaxengine.models.sequence.HmmTagger;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hmm-pos}: trains the bigram HMM tagger on CoNLL-2000 words -> POS and scores the test set. */
@Command(name = "hmm-pos",
        mixinStandardHelpOptions = true,
        description = {"Part-of-speech tagging with a bigram HMM and a TnT-style unknown-word model on CoNLL-2000:"
                + " trains by counting, decodes the test set with batched Viterbi on the kernel, and prints token"
                + " accuracy (known and unknown words apart), training time and decoding tokens/s."})
public final class HmmPosCommand implements Callable<Integer> {
    @Mixin
    SequenceOptions options;

    @Option(names = "--transition-smoothing", defaultValue = "1.0",
            description = "Pseudo-count mass of the unigram prior on each transition row (default: ${DEFAULT-VALUE}).")
    double transitionSmoothing;

    @Option(names = "--lexical-smoothing", defaultValue = "0.1",
            description = "Weight of the suffix model in a known word's tag distribution (default: ${DEFAULT-VALUE}).")
    double lexicalSmoothing;

    @Option(names = "--rare", defaultValue = "10",
            description = "Words seen at most this often train the unknown-word model (default: ${DEFAULT-VALUE}).")
    int rare;

    @Option(names = "--max-suffix", defaultValue = "10",
            description = "Longest suffix the unknown-word model uses; 0 keeps only the word-class prior"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxSuffix;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        HmmTagger.Options o = new HmmTagger.Options(transitionSmoothing, lexicalSmoothing, rare, maxSuffix);
        List<ConllSentence> train = options.train();
        List<ConllSentence> test = options.test();
        try (SoftmaxKernel kernel = options.kernel()) {
            ChainInference inference = options.inference(kernel);
            out.printf(Locale.ROOT, "CoNLL-2000 POS: %d training sentences (%d tokens), %d test sentences (%d tokens);"
                            + " backend %s (%s), %d threads, batches of %d%n",
                    train.size(), SequenceOptions.tokens(train), test.size(), SequenceOptions.tokens(test),
                    kernel.backend(), kernel.device(), inference.threads(), inference.batchSize());
            long t0 = System.nanoTime();
            double cpu0 = SequenceOptions.cpuSeconds();
            HmmTagger tagger = HmmTagger.train(train.stream().map(ConllSentence::words).toList(),
                    train.stream().map(ConllSentence::pos).toList(), o);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            double trainCpu = SequenceOptions.cpuSeconds() - cpu0;
            List<String[]> words = test.stream().map(ConllSentence::words).toList();
            // Once to compile the decoding path, once timed.
            tagger.tag(inference, words);
            long t1 = System.nanoTime();
            HmmTagger.Accuracy acc = tagger.accuracy(inference, words, test.stream().map(ConllSentence::pos).toList());
            double decodeSeconds = (System.nanoTime() - t1) / 1e9;
            out.printf(Locale.ROOT, "%d tags; trained in %.2f s (%.2f CPU s)%n", tagger.tagSet().size(), trainSeconds, trainCpu);
            out.printf(Locale.ROOT, "token accuracy %.4f; known words %.4f (%d tokens); unknown words %.4f (%d tokens)%n",
                    acc.overall(), acc.known(), acc.knownTotal(), acc.unknown(), acc.unknownTotal());
            out.printf(Locale.ROOT, "decoding: %.0f tokens/s (Viterbi and scoring)%n",
                    SequenceOptions.tokens(test) / decodeSeconds);
        }
        out.flush();
        return 0;
    }
}
