package dev.softmaxengine.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * A command that moved to the bench's own launcher, so that the scoring CLI's class path holds no
 * benchmark code: one line saying where it went, exit status 2. bin/softmax-engine never reaches
 * it (it hands {@code bench} and {@code models bench-onnx} to bin/softmax-engine-bench); a
 * {@code java -jar cli.jar bench} does.
 */
@Command(hidden = true, description = "Moved to bin/softmax-engine-bench.")
final class MovedToBench implements Callable<Integer> {
    private final String name;
    private final String replacement;

    @Unmatched
    List<String> rest = new ArrayList<>();

    @Spec
    CommandLine.Model.CommandSpec spec;

    MovedToBench(String name, String replacement) {
        this.name = name;
        this.replacement = replacement;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("softmax-engine: " + name + " moved to its own launcher: run "
                + replacement + (rest.isEmpty() ? "" : " " + String.join(" ", rest)));
        spec.commandLine().getErr().flush();
        return SoftmaxEngineCli.EXIT_ERROR;
    }
}
