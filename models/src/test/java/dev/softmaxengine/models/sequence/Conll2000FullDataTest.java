package dev.softmaxengine.models.sequence;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The targets on the whole CoNLL-2000 split: HMM POS tagging accuracy >= 0.93 and CRF
 * chunking F1 >= 0.935. Minutes of training, so only under {@code -Pfull-data}:
 * {@code mvn -pl models test -Pfull-data -Dtest='dev.softmaxengine.models.sequence.*'}.
 */
@Tag("full-data")
class Conll2000FullDataTest {

    @Test
    void hmmTagsPosAboveTarget() throws IOException {
        List<ConllSentence> train = Conll2000.train();
        List<ConllSentence> test = Conll2000.test();
        try (SoftmaxKernel kernel = Backends.create()) {
            ChainInference inference = new ChainInference(kernel);
            long t0 = System.nanoTime();
            HmmTagger tagger = HmmTagger.train(train.stream().map(ConllSentence::words).toList(),
                    train.stream().map(ConllSentence::pos).toList(), HmmTagger.Options.defaults());
            long t1 = System.nanoTime();
            HmmTagger.Accuracy acc = tagger.accuracy(inference, test.stream().map(ConllSentence::words).toList(),
                    test.stream().map(ConllSentence::pos).toList());
            long t2 = System.nanoTime();
            System.out.printf("HMM POS (%s): accuracy %.4f, known %.4f (%d), unknown %.4f (%d); train %.2f s, decode %.0f tokens/s%n",
                    kernel.backend(), acc.overall(), acc.known(), acc.knownTotal(), acc.unknown(), acc.unknownTotal(),
                    (t1 - t0) / 1e9, (acc.knownTotal() + acc.unknownTotal()) / ((t2 - t1) / 1e9));
            assertTrue(acc.overall() >= 0.93, "accuracy " + acc.overall());
        }
    }

    @Test
    void crfChunksAboveTarget() throws IOException {
        List<ConllSentence> train = Conll2000.train();
        List<ConllSentence> test = Conll2000.test();
        try (SoftmaxKernel kernel = Backends.create()) {
            ChainInference inference = new ChainInference(kernel);
            long t0 = System.nanoTime();
            CrfTrainer.Result fit = CrfTrainer.train(inference, FeatureTemplate.parse(FeatureTemplate.CHUNKING),
                    train.stream().map(ConllSentence::words).toList(), train.stream().map(ConllSentence::pos).toList(),
                    train.stream().map(ConllSentence::chunks).toList(), CrfTrainer.Options.defaults(), null);
            long t1 = System.nanoTime();
            List<String[]> guess = fit.model().tag(inference, test.stream().map(ConllSentence::words).toList(),
                    test.stream().map(ConllSentence::pos).toList());
            long t2 = System.nanoTime();
            ChunkEvaluator.Result r = ChunkEvaluator.evaluate(test.stream().map(ConllSentence::chunks).toList(), guess);
            System.out.printf("CRF chunking (%s): F1 %.4f; train %.1f s (%d iterations, %s); decode %.0f tokens/s%n%s",
                    kernel.backend(), r.overall().f1(), (t1 - t0) / 1e9, fit.optimization().iterations(),
                    fit.optimization().termination(), r.tokens() / ((t2 - t1) / 1e9), r.report());
            assertTrue(r.overall().f1() >= 0.935, r.report());
        }
    }
}
