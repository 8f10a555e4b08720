package dev.softmaxengine.spark;

import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.sequence.ChainInference;
import dev.softmaxengine.models.sequence.HmmTagger;
import dev.softmaxengine.models.sequence.LinearChainCrf;

import java.io.IOException;
import java.util.List;

/** A saved sequence tagger as {@link TokenTagger} uses it: an {@link HmmTagger} or a {@link LinearChainCrf}. */
sealed interface TaggingModel {
    /** Whether tagging observes a POS sequence beside the tokens. */
    boolean needsPos();

    /** The tags it assigns. */
    List<String> tags();

    /** The most probable tags of every sentence; {@code pos} is ignored unless {@link #needsPos}. */
    List<String[]> tag(ChainInference inference, List<String[]> words, List<String[]> pos);

    record Hmm(HmmTagger tagger) implements TaggingModel {
        @Override
        public boolean needsPos() {
            return false;
        }

        @Override
        public List<String> tags() {
            return tagger.tagSet();
        }

        @Override
        public List<String[]> tag(ChainInference inference, List<String[]> words, List<String[]> pos) {
            return tagger.tag(inference, words);
        }
    }

    record Crf(LinearChainCrf crf) implements TaggingModel {
        @Override
        public boolean needsPos() {
            return crf.template().needsPos();
        }

        @Override
        public List<String> tags() {
            return crf.labels();
        }

        @Override
        public List<String[]> tag(ChainInference inference, List<String[]> words, List<String[]> pos) {
            return crf.tag(inference, words, needsPos() ? pos : null);
        }
    }

    /**
     * The tagger in a model file's bytes.
     *
     * @throws IllegalArgumentException when the bytes are not a saved {@link HmmTagger} or {@link LinearChainCrf}
     */
    static TaggingModel read(byte[] bytes) {
        ModelFile file;
        try {
            file = ModelFile.read(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("model bytes: " + e.getMessage(), e);
        }
        return switch (file.kind()) {
            case HmmTagger.KIND -> new Hmm(HmmTagger.from(file));
            case LinearChainCrf.KIND -> new Crf(LinearChainCrf.from(file));
            default -> throw new IllegalArgumentException("model file holds a " + file.kind() + " model; a tagger is a "
                    + HmmTagger.KIND + " or a " + LinearChainCrf.KIND);
        };
    }
}
