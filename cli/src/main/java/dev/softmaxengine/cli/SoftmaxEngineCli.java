package dev.softmaxengine.cli;

import dev.softmaxengine.api.SoftmaxEngineException;
import dev.softmaxengine.cli.models.ModelsCommand;
import dev.softmaxengine.cli.sequence.CrfChunkCommand;
import dev.softmaxengine.cli.sequence.HmmPosCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code softmax-engine} command. Subcommands are listed in {@link Command#subcommands()};
 * errors become one line on stderr and exit status {@value #EXIT_ERROR}, with the stack trace
 * only under {@code --verbose}.
 */
@Command(name = "softmax-engine",
        mixinStandardHelpOptions = true,
        versionProvider = SoftmaxEngineCli.Version.class,
        description = "The softmax family (softmax, log-softmax, logsumexp, sigmoid, log-sigmoid, hardmax, argmax)"
                + " on CPU SIMD, OpenCL and CUDA behind one contract.",
        subcommands = {ApplyCommand.class, InfoCommand.class, DemoCommand.class, ModelsCommand.class, HmmPosCommand.class, CrfChunkCommand.class, CommandLine.HelpCommand.class})
public final class SoftmaxEngineCli implements Runnable {
    /** Exit status for bad input, unusable backends and device failures (picocli uses it for usage errors too). */
    static final int EXIT_ERROR = 2;
    /** Exit status for a bug: an exception nobody meant to throw. */
    static final int EXIT_INTERNAL = 1;
    static final String LOG_FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
    /** "INFO: softmax-engine: auto passed over cuda: no libcuda.so.1 on this host", one line per record. */
    static final String LOG_FORMAT = "%4$s: %5$s%n";

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Log the backend choice and the backends auto passed over, and print the stack trace of an error.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        if (System.getProperty(LOG_FORMAT_PROPERTY) == null) {
            System.setProperty(LOG_FORMAT_PROPERTY, LOG_FORMAT);
        }
        System.exit(commandLine().execute(args));
    }

    /** The command with its error handling, as {@link #main} runs it (tests call {@code execute} on it). */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new SoftmaxEngineCli());
        // The benchmarks moved to bin/softmax-engine-bench (bin/softmax-engine hands these on to it).
        cmd.addSubcommand("bench", new MovedToBench("bench", "bin/softmax-engine-bench"));
        cmd.getSubcommands().get("models").addSubcommand("bench-onnx",
                new MovedToBench("models bench-onnx", "bin/softmax-engine-bench bench-onnx"));
        return withErrorHandling(cmd);
    }

    /** {@code cmd} with the error handling {@link #commandLine()} has (tests give it commands that fail on purpose). */
    static CommandLine withErrorHandling(CommandLine cmd) {
        cmd.setExecutionExceptionHandler(SoftmaxEngineCli::executionError);
        cmd.setExecutionStrategy(SoftmaxEngineCli::runCatchingErrors);
        cmd.setParameterExceptionHandler(SoftmaxEngineCli::usageError);
        return cmd;
    }

    /** Without a subcommand: the usage, which lists every command. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the command, turning the JVM errors that hostile input can still provoke into exceptions
     * the handler prints on one line: picocli lets an {@link Error} escape as a stack trace. Readers
     * refuse sizes a file cannot back before allocating; this is for what they cannot foresee (a
     * legitimate input larger than the heap). By the time it is caught the stack has unwound and the
     * failed allocation's memory is garbage, so printing the line is safe.
     */
    private static int runCatchingErrors(ParseResult parsed) {
        quietLogs(!verbose(parsed));
        try {
            return new CommandLine.RunLast().execute(parsed);
        } catch (OutOfMemoryError e) {
            throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), "", new OutOfMemory(e));
        } catch (StackOverflowError e) {
            throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), "",
                    new RuntimeException("stack overflow", e));
        }
    }

    /**
     * The engine logs which backend auto picked and why it passed the others over at INFO: the CLI
     * shows those only under {@code --verbose} (and {@code info} prints them always), so that an error
     * stays one line. Warnings always show.
     */
    static void quietLogs(boolean quiet) {
        ENGINE_LOG.setLevel(quiet ? java.util.logging.Level.WARNING : java.util.logging.Level.INFO);
    }

    /** Held, since the logging framework keeps only weak references to configured loggers. */
    private static final java.util.logging.Logger ENGINE_LOG = java.util.logging.Logger.getLogger("dev.softmaxengine");

    /** An {@link OutOfMemoryError} as an exception with a message that says what to do. */
    static final class OutOfMemory extends RuntimeException {
        OutOfMemory(OutOfMemoryError e) {
            super("out of memory (" + e.getMessage() + "): the input needs more than this JVM's "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB heap; raise it with"
                    + " SOFTMAX_ENGINE_JAVA_OPTS=-Xmx..., or use smaller inputs or batches", e);
        }
    }

    private static int executionError(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (verbose(parsed)) {
            e.printStackTrace(err);
        }
        Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
        boolean expected = cause instanceof IllegalArgumentException
                || cause instanceof IllegalStateException
                || cause instanceof SoftmaxEngineException
                || cause instanceof OutOfMemory
                || cause instanceof IOException;
        err.println(cmd.getCommandSpec().root().name() + ": error: " + oneLine(cause)
                + (expected || verbose(parsed) ? "" : " (internal error; rerun with --verbose for the stack trace)"));
        err.flush();
        return expected ? EXIT_ERROR : EXIT_INTERNAL;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + oneLine(e) + " (see '" + name + " --help')");
        err.flush();
        return EXIT_ERROR;
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The message on one line; file-system errors say which file and what happened. */
    static String oneLine(Throwable e) {
        String message = switch (e) {
            case NoSuchFileException f -> f.getFile() + ": no such file";
            case AccessDeniedException f -> f.getFile() + ": permission denied";
            case FileSystemException f when f.getReason() != null -> f.getFile() + ": " + f.getReason();
            default -> e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getName() : e.getMessage();
        };
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** The version from the jar manifest (Implementation-Version), and the JVM it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"softmax-engine " + version(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", "
                            + System.getProperty("java.vm.name") + ")"};
        }

        static String version() {
            String v = SoftmaxEngineCli.class.getPackage().getImplementationVersion();
            return v == null ? "(unpackaged build)" : v;
        }
    }
}
