package dev.softmaxengine.bench.cli;

import dev.softmaxengine.bench.suite.ComparisonTable;
import dev.softmaxengine.bench.suite.OptionalLibraries;
import dev.softmaxengine.bench.suite.ResultsCsv;
import dev.softmaxengine.bench.suite.RunComparison;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code compare RUN1.json RUN2.json ...}: the runs side by side in one report ({@link RunComparison}). */
@Command(name = "compare",
        mixinStandardHelpOptions = true,
        description = {"Puts two or more runs' results.json side by side (other machines, JDKs, commits, thread counts):"
                + " the same shapes joined, each later run's speed over the first's per contender, charts with one line"
                + " per run and contender and each run's roofs, and the machine descriptions in columns.",
                "Writes DIR/compare.html, DIR/compare-*.png and, with --csv, DIR/results.csv. A run is named after its"
                        + " folder (DIR/results.json) or its file name."})
final class CompareCommand implements Callable<Integer> {
    @Parameters(arity = "2..*", paramLabel = "RESULTS_JSON", description = "Runs to compare; the first is the baseline.")
    List<Path> runs;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-compare",
            description = "Folder for the report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--csv", description = "Also write DIR/results.csv: every result of every run, one row each.")
    boolean csv;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        List<ResultsCsv.Run> read = RunComparison.read(runs);
        List<Path> written = RunComparison.write(read, out, csv);
        stdout.print(ComparisonTable.text(RunComparison.tables(read)));
        String noCharts = OptionalLibraries.chartsMissing();
        if (noCharts != null) {
            stdout.println("note: charts: left out: " + noCharts);
        }
        stdout.println("wrote " + written.size() + " files to " + out + ": " + String.join(", ",
                written.stream().map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".png")).toList())
                + " and " + written.stream().filter(p -> p.toString().endsWith(".png")).count() + " charts");
        stdout.flush();
        return 0;
    }
}
