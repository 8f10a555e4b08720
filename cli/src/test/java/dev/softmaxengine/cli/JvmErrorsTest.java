package dev.softmaxengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** JVM errors out of a command: one line of ours, not the stack trace picocli lets an Error print. */
class JvmErrorsTest {
    @Command(name = "softmax-engine")
    static final class Failing implements Runnable {
        final Error error;

        Failing(Error error) {
            this.error = error;
        }

        @Override
        public void run() {
            throw error;
        }
    }

    private static String[] run(Error error, int expectedExit) {
        CommandLine cmd = SoftmaxEngineCli.withErrorHandling(new CommandLine(new Failing(error)));
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(expectedExit, cmd.execute(), err.toString());
        return err.toString().lines().toArray(String[]::new);
    }

    @Test
    void anOutOfMemoryErrorIsOneLineAndExitStatus2() {
        String[] err = run(new OutOfMemoryError("Java heap space"), SoftmaxEngineCli.EXIT_ERROR);
        assertEquals(1, err.length, String.join("\n", err));
        assertTrue(err[0].startsWith("softmax-engine: error: out of memory (Java heap space): the input needs more than"),
                err[0]);
        assertTrue(err[0].contains("SOFTMAX_ENGINE_JAVA_OPTS=-Xmx"), err[0]);
    }

    @Test
    void aStackOverflowIsOneLineMarkedInternal() {
        String[] err = run(new StackOverflowError(), SoftmaxEngineCli.EXIT_INTERNAL);
        assertEquals(1, err.length, String.join("\n", err));
        assertEquals("softmax-engine: error: stack overflow (internal error; rerun with --verbose for the stack trace)", err[0]);
    }
}
