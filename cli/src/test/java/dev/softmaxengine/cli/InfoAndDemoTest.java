package dev.softmaxengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.Backends;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** {@code info} and a tiny {@code demo}: they run, and say what they must. */
class InfoAndDemoTest {

    @Test
    void infoListsEveryBackendAndTheAutoChoice() {
        CliRun run = CliRun.of("info");
        assertEquals(0, run.exit(), run.err());
        for (Backends.Status s : Backends.all()) {
            assertTrue(Pattern.compile("(?m)^  " + s.name() + " +(usable|unusable) +rank +" + s.probe().autoRank() + " ")
                    .matcher(run.out()).find(), run.out());
        }
        assertTrue(run.out().contains("  scalar   usable    rank 100"), run.out());
        assertTrue(run.out().contains("device: CPU (reference, fp64 accumulation)"), run.out());
        assertTrue(run.out().contains("\nauto picks: " + Backends.autoChoice() + "\n"), run.out());
        assertTrue(run.out().contains("Java " + Runtime.version()), run.out());
    }

    @Test
    void demoRunsEveryUsableBackendWithinItsBound() {
        for (String[] args : new String[][] {
                {"demo", "--rows", "3", "--cols", "37", "--warmup", "1", "--reps", "2"},
                {"demo", "--rows", "5", "--cols", "8", "--warmup", "0", "--reps", "1", "--op", "logsumexp", "--dtype", "float64"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(0, run.exit(), run.out() + run.err());
            for (Backends.Status s : Backends.all()) {
                String row = s.probe().usable()
                        ? "(?m)^" + s.name() + " +.+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+e[-+][0-9]+ +ok +[12]$"
                        : "(?m)^skipped " + s.name() + ": ";
                assertTrue(Pattern.compile(row).matcher(run.out()).find(), row + " in\n" + run.out());
            }
            assertTrue(run.out().contains("\nauto chose: " + Backends.autoChoice()), run.out());
        }
    }

    @Test
    void demoRejectsBadSizes() {
        CliRun run = CliRun.of("demo", "--rows", "0");
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, run.exit());
        assertEquals("softmax-engine: error: --rows and --cols must be >= 1, were 0 and 4096", run.err().strip());
    }

    @Test
    void noCommandListsEveryCommand() {
        CliRun run = CliRun.of();
        assertEquals(0, run.exit(), run.err());
        assertEquals("", run.err());
        for (String command : new String[] {"apply", "info", "demo", "models", "hmm-pos", "crf-chunk", "help"}) {
            assertTrue(Pattern.compile("(?m)^  " + command + " ").matcher(run.out()).find(), command + " in\n" + run.out());
        }
    }
}
