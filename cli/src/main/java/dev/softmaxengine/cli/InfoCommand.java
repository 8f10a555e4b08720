package dev.softmaxengine.cli;

import dev.softmaxengine.api.Backends;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code info}: the engine's version and {@link Backends#report()}, the text a library user can log too. */
@Command(name = "info",
        mixinStandardHelpOptions = true,
        description = "Lists every backend on the class path: usable or not and why, its devices, its rank for"
                + " auto, and the backend auto picks.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("softmax-engine " + SoftmaxEngineCli.Version.version());
        out.print(Backends.report());
        out.flush();
        return 0;
    }
}
