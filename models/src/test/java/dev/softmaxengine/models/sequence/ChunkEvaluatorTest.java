package dev.softmaxengine.models.sequence;

import dev.softmaxengine.testkit.TestSeed;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChunkEvaluatorTest {

    private static ChunkEvaluator.Result score(String gold, String guess) {
        ChunkEvaluator e = new ChunkEvaluator();
        e.add(gold.split(" "), guess.split(" "));
        return e.result();
    }

    private static void assertCounts(ChunkEvaluator.Result r, long correct, long gold, long guessed) {
        assertEquals(new ChunkEvaluator.Scores(correct, gold, guessed), r.overall());
    }

    @Test
    void exactMatchOfTheReadmeSentence() {
        String tags = "B-NP B-VP B-NP I-NP I-NP I-NP B-VP I-VP B-PP B-NP I-NP I-NP I-NP B-PP B-NP O";
        ChunkEvaluator.Result r = score(tags, tags);
        assertCounts(r, 8, 8, 8);
        assertEquals(1.0, r.overall().f1());
        assertEquals(1.0, r.accuracy());
        assertEquals(new ChunkEvaluator.Scores(4, 4, 4), r.byType().get("NP"));
    }

    @Test
    void aChunkCountsOnlyWithBothBoundariesAndTheType() {
        // Split in two: neither half is the gold chunk.
        assertCounts(score("B-NP I-NP", "B-NP B-NP"), 0, 1, 2);
        // Right span, wrong type.
        assertCounts(score("B-NP I-NP O", "B-VP I-VP O"), 0, 1, 1);
        // Ends one token late.
        assertCounts(score("B-NP I-NP O", "B-NP I-NP I-NP"), 0, 1, 1);
        // A type change inside ends the guessed chunk and opens another.
        assertCounts(score("B-NP I-NP", "B-NP I-VP"), 0, 1, 2);
        // Two chunks right, one wrong.
        assertCounts(score("B-NP O B-VP B-PP", "B-NP O B-VP B-NP"), 2, 3, 3);
    }

    @Test
    void illFormedTagsReadAsConllevalReadsThem() {
        // I after O opens a chunk (IOB1), so this guess matches B-NP I-NP.
        ChunkEvaluator.Result r = score("O B-NP I-NP", "O I-NP I-NP");
        assertCounts(r, 1, 1, 1);
        // Tag accuracy still tells B from I.
        assertEquals(2, r.correctTags());
        // I-VP straight after B-NP opens a VP chunk of its own.
        assertCounts(score("B-NP B-VP", "B-NP I-VP"), 2, 2, 2);
        // A chunk open at the end of a sentence is closed by the boundary, not continued into the next.
        ChunkEvaluator e = new ChunkEvaluator();
        e.add(new String[] {"B-NP", "I-NP"}, new String[] {"B-NP", "I-NP"});
        e.add(new String[] {"I-NP"}, new String[] {"I-NP"});
        assertCounts(e.result(), 2, 2, 2);
    }

    /** Chunks as (start, end, type) spans, found with conlleval's start and end rules. */
    private static Set<String> spans(String[] tags) {
        Set<String> out = new HashSet<>();
        String prev = "O";
        String prevType = "";
        int start = -1;
        String type = null;
        for (int i = 0; i <= tags.length; i++) {
            String tag = i < tags.length ? ChunkEvaluator.prefix(tags[i]) : "O";
            String ty = i < tags.length ? ChunkEvaluator.type(tags[i]) : "";
            if (start >= 0 && ChunkEvaluator.endOfChunk(prev, tag, prevType, ty)) {
                out.add(start + ":" + i + ":" + type);
                start = -1;
            }
            if (ChunkEvaluator.startOfChunk(prev, tag, prevType, ty)) {
                start = i;
                type = ty;
            }
            prev = tag;
            prevType = ty;
        }
        return out;
    }

    @Test
    void countsEqualSpanSetIntersectionOnRandomTags() {
        SplittableRandom r = TestSeed.random("ChunkEvaluatorTest.random");
        String[] vocabulary = {"O", "B-NP", "I-NP", "B-VP", "I-VP", "B-PP"};
        List<String[]> gold = new ArrayList<>();
        List<String[]> guess = new ArrayList<>();
        long correct = 0;
        long goldChunks = 0;
        long guessedChunks = 0;
        for (int n = 0; n < 300; n++) {
            int len = 1 + r.nextInt(12);
            String[] g = new String[len];
            String[] h = new String[len];
            for (int i = 0; i < len; i++) {
                g[i] = vocabulary[r.nextInt(vocabulary.length)];
                // Mostly right, so that many chunks match.
                h[i] = r.nextInt(4) == 0 ? vocabulary[r.nextInt(vocabulary.length)] : g[i];
            }
            gold.add(g);
            guess.add(h);
            Set<String> gs = spans(g);
            Set<String> hs = spans(h);
            goldChunks += gs.size();
            guessedChunks += hs.size();
            hs.retainAll(gs);
            correct += hs.size();
        }
        assertCounts(ChunkEvaluator.evaluate(gold, guess), correct, goldChunks, guessedChunks);
    }

    @Test
    void reportHasConllevalsLayout() {
        String report = score("B-NP I-NP O B-VP", "B-NP I-NP O B-NP").report();
        assertEquals("""
                processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.
                accuracy:  75.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00
                               NP: precision:  50.00%; recall: 100.00%; FB1:  66.67  2
                               VP: precision:   0.00%; recall:   0.00%; FB1:   0.00  0
                """, report.replace(System.lineSeparator(), "\n"));
    }

    @Test
    void rejectsMismatchedLengths() {
        assertThrows(IllegalArgumentException.class,
                () -> new ChunkEvaluator().add(new String[] {"O"}, new String[] {"O", "O"}));
    }
}
