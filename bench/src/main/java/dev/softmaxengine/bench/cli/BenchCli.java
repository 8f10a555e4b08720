package dev.softmaxengine.bench.cli;

import dev.softmaxengine.models.io.Terminal;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;
import dev.softmaxengine.bench.suite.Ceiling;
import dev.softmaxengine.bench.suite.ComparisonTable;
import dev.softmaxengine.bench.suite.ComputeRoof;
import dev.softmaxengine.bench.suite.HardwareSuite;
import dev.softmaxengine.bench.suite.OptionalLibraries;
import dev.softmaxengine.bench.suite.Progress;
import dev.softmaxengine.bench.suite.ProgressLine;
import dev.softmaxengine.bench.suite.ReportFiles;
import dev.softmaxengine.bench.suite.ResultsCsv;
import dev.softmaxengine.bench.suite.ResultsJson;
import dev.softmaxengine.bench.suite.SelectionParams;
import dev.softmaxengine.bench.suite.RunComparison;
import dev.softmaxengine.bench.suite.SuiteReport;
import dev.softmaxengine.bench.suite.SweepPlan;
import dev.softmaxengine.bench.suite.TorchResults;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code softmax-engine-bench} (bin/softmax-engine-bench): the hardware benchmark suite
 * ({@link HardwareSuite}) as a command of its own, so that the scoring CLI carries no benchmark code
 * (ONNX Runtime, JMH, XChart, Gson). Alone it measures the machine's roofs (CPU copy and exp
 * throughput at each thread count), then every usable backend over a sweep of shapes, and writes
 * results.json, report.html and PNG charts; {@code compare} puts runs side by side and
 * {@code bench-onnx} times an imported .onnx model against ONNX Runtime. Errors are one line on
 * stderr and exit status {@value #EXIT_ERROR}; {@code --verbose} adds the stack trace.
 */
@Command(name = "softmax-engine-bench",
        mixinStandardHelpOptions = true,
        subcommands = {CompareCommand.class, OnnxBenchCommand.class, CommandLine.HelpCommand.class},
        description = {"Measures the machine's roofs (CPU copy bandwidth and the SIMD kernels' exp throughput, at each"
                + " --threads count), then every usable backend (scalar, simd and ONNX Runtime at each thread count,"
                + " OpenCL and CUDA where present) over rows of 32 to 1,048,576 columns in batches that leave the"
                + " caches, plus one-row batches; softmax, log-softmax, logsumexp and sigmoid in float32 and float64.",
                "Writes DIR/results.json, DIR/report.html and DIR/*.png (GB/s against both roofs, with error bars) and"
                        + " prints the comparison table. Exit status 2 if a case failed (the report is written first)."})
public final class BenchCli implements Callable<Integer> {
    static final int EXIT_ERROR = 2;
    static final int EXIT_INTERNAL = 1;

    @Option(names = "--quick", description = "Four row lengths and short timing: about two minutes on two cores.")
    boolean quick;

    @Option(names = "--backend", split = ",", paramLabel = "NAME",
            description = "Only these: scalar, simd, onnxruntime, opencl, cuda (comma-separated; default: every usable"
                    + " one). A named backend that cannot run is an error.")
    List<String> backends = new ArrayList<>();

    @Option(names = "--ops", split = ",", paramLabel = "OP", converter = OpConverter.class,
            description = "Ops to measure (default: softmax,log-softmax,logsumexp,sigmoid; also log-sigmoid, hardmax,"
                    + " top-k, sample). With top-k or sample the sweep is the logits grid: 8, 64 and 512 rows (--quick:"
                    + " 8 and 512) of 32768, 131072 and 262144 columns.")
    List<Op> ops = new ArrayList<>();

    @Option(names = "--dtypes", split = ",", paramLabel = "DTYPE",
            description = "float32, float64, bfloat16, float16 (default: float32,float64). ONNX Runtime's"
                    + " contender reads float32 and float64 only.")
    List<String> dtypes = new ArrayList<>();

    @Option(names = "--k", paramLabel = "K", description = "top-k: entries per row (default: 50).")
    Integer k;

    @Option(names = "--temperature", paramLabel = "T", description = "sample: divides the logits (default: 1; 0 is argmax).")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "sample: keep only the K largest (default: 0, all).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P",
            description = "sample: keep the smallest prefix of mass >= P, in (0, 1] (default: 0.95; apply's is 1).")
    Double topP;

    @Option(names = "--min-p", paramLabel = "P",
            description = "sample: keep probabilities >= P times the largest, in [0, 1] (default: 0).")
    Double minP;

    @Option(names = "--seed", paramLabel = "N", description = "sample: the random numbers' key (default: 0).")
    Long seed;

    @Option(names = "--threads", split = ",", paramLabel = "N",
            description = "Host thread counts to sweep: copy ceilings, exp roofs, simd and ONNX Runtime at each"
                    + " (default: 1 and all processors).")
    List<Integer> threads = new ArrayList<>();

    @Option(names = "--shapes", split = ",", paramLabel = "ROWSxCOLS",
            description = "Measure these shapes (e.g. 4096x1024,1x32768) instead of the sweep; one-row shapes are"
                    + " charted as latency.")
    List<String> shapes = new ArrayList<>();

    @Option(names = "--repeat-until", paramLabel = "PCT",
            description = "Sample each case until the median's 95%% bootstrap interval is within +-PCT of it (e.g. 2%%),"
                    + " still bounded by the plan's sample and time limits.")
    String repeatUntil;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-report",
            description = "Folder for results.json, report.html and the charts (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--csv", description = "Also write DIR/results.csv: one row per result, machine and run columns included.")
    boolean csv;

    @Option(names = "--merge", paramLabel = "JSON",
            description = "JSON of bench/scripts/torch_softmax_bench.py, or another run's results.json (its results"
                    + " under its name), to merge into the report (repeatable).")
    List<Path> merge = new ArrayList<>();

    @Option(names = "--from", paramLabel = "RESULTS_JSON",
            description = "Do not measure: redraw the report from an earlier results.json (schema 1 is migrated).")
    Path from;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print the stack trace of an error.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    /** The arguments as typed, for the report's run description. */
    private final String commandLine;

    BenchCli(String commandLine) {
        this.commandLine = commandLine;
    }

    public static void main(String[] args) {
        System.exit(commandLine(String.join(" ", args)).execute(args));
    }

    /** The command with its error handling, as {@link #main} runs it. */
    static CommandLine commandLine(String typed) {
        CommandLine cmd = new CommandLine(new BenchCli(typed));
        cmd.setExecutionExceptionHandler(BenchCli::executionError);
        cmd.setParameterExceptionHandler(BenchCli::usageError);
        return cmd;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        SuiteReport report;
        if (from != null) {
            if (quick || !backends.isEmpty() || !ops.isEmpty() || !dtypes.isEmpty() || !threads.isEmpty()
                    || !shapes.isEmpty() || repeatUntil != null || selectionGiven()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--from redraws an earlier run; --quick,"
                        + " --backend, --ops, --dtypes, --threads, --shapes, --repeat-until, --k, --temperature,"
                        + " --top-k, --top-p, --min-p and --seed do not apply");
            }
            report = ResultsJson.read(from);
        } else {
            // Only on a terminal: a redirected log gets no \r frames.
            Progress progress = Terminal.stderr() ? new ProgressLine(stderr) : Progress.NONE;
            try {
                report = new HardwareSuite(plan(), progress, commandLine).run(backends);
            } finally {
                progress.finish();
            }
        }
        for (Path file : merge) {
            String schema = ResultsJson.schemaOf(file);
            report = schema != null && schema.startsWith("softmax-engine-bench/")
                    ? RunComparison.mergeInto(report, file) : TorchResults.merge(report, file);
        }
        String noCharts = OptionalLibraries.chartsMissing();
        // Once: a run redrawn with --from may carry the note already.
        if (noCharts != null && !report.notes().contains("charts: left out: " + noCharts)) {
            report = report.plus(List.of(), List.of(), List.of("charts: left out: " + noCharts));
        }
        List<Path> written = ReportFiles.write(report, out);
        if (csv) {
            Path file = out.resolve(RunComparison.CSV);
            ResultsCsv.write(List.of(new ResultsCsv.Run(RunComparison.name(out.resolve(ReportFiles.RESULTS)), report)),
                    file);
            written.add(file);
        }
        for (Ceiling c : report.ceilings()) {
            stdout.printf(Locale.ROOT, "memory roof:  %-38s %8.2f GB/s (best of %d)%n", c.label(), c.gbps(),
                    c.samples().count());
        }
        for (ComputeRoof r : report.roofs()) {
            stdout.printf(Locale.ROOT, "compute roof: %-38s %8.2f G exp/s (best of %d)%n", r.label(),
                    r.elementsPerSecond() / 1e9, r.samples().count());
        }
        stdout.println();
        stdout.print(ComparisonTable.text(ComparisonTable.of(report)));
        report.notes().forEach(n -> stdout.println("note: " + n));
        stdout.println("wrote " + written.size() + " files to " + out + ": " + String.join(", ",
                written.stream().map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".png")).toList())
                + " and " + written.stream().filter(p -> p.toString().endsWith(".png")).count() + " charts");
        stdout.flush();
        if (!report.failures().isEmpty()) {
            report.failures().forEach(f -> stderr.println("softmax-engine-bench: failed: " + f));
            throw new IllegalStateException(report.failures().size() + " cases failed (listed above and in "
                    + ReportFiles.RESULTS + ")");
        }
        return 0;
    }

    /** The sweep the options ask for. */
    SweepPlan plan() {
        SweepPlan plan = quick ? SweepPlan.quickSweep() : SweepPlan.fullSweep();
        if (!ops.isEmpty()) {
            plan = plan.withOps(ops);
        }
        if (!dtypes.isEmpty()) {
            List<DType> d = new ArrayList<>();
            for (String name : dtypes) {
                d.add(SweepPlan.parseDtype(name));
            }
            plan = plan.withDtypes(d);
        }
        if (!threads.isEmpty()) {
            plan = plan.withThreads(threads);
        }
        if (!shapes.isEmpty()) {
            plan = plan.withShapes(shapes.stream().map(BenchShape::parse).toList());
        }
        if (repeatUntil != null) {
            plan = plan.withTiming(plan.timing().withTargetInterval(parsePercent(repeatUntil)));
        }
        if (selectionGiven()) {
            SelectionParams d = SelectionParams.DEFAULT;
            plan = plan.withSelection(new SelectionParams(k == null ? d.k() : k,
                    temperature == null ? d.temperature() : temperature, topK == null ? d.topK() : topK,
                    topP == null ? d.topP() : topP, minP == null ? d.minP() : minP, seed == null ? d.seed() : seed));
        }
        return plan;
    }

    private boolean selectionGiven() {
        return k != null || temperature != null || topK != null || topP != null || minP != null || seed != null;
    }

    /** {@code 2%} or {@code 0.02}: the fraction, in (0, 1). */
    static double parsePercent(String text) {
        String t = text.strip();
        double v;
        try {
            v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--repeat-until must be a percentage like 2% or a fraction like 0.02,"
                    + " was '" + text + "'");
        }
        if (!(v > 0 && v < 1)) {
            throw new IllegalArgumentException("--repeat-until must be above 0% and below 100%, was '" + text + "'");
        }
        return v;
    }

    /** {@code softmax}, {@code log-softmax}, ... as {@link Op#parse} reads them. */
    static final class OpConverter implements CommandLine.ITypeConverter<Op> {
        @Override
        public Op convert(String value) {
            try {
                return Op.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private static int executionError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean verbose = false;
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            verbose |= p.hasMatchedOption("--verbose");
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
        boolean expected = cause instanceof IllegalArgumentException || cause instanceof IllegalStateException
                || cause instanceof IOException;
        String message = cause instanceof NoSuchFileException f ? f.getFile() + ": no such file"
                : cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        err.println("softmax-engine-bench: error: " + message.replaceAll("\\s*\\R\\s*", " ").strip()
                + (expected || verbose ? "" : " (internal error; rerun with --verbose for the stack trace)"));
        err.flush();
        return expected ? EXIT_ERROR : EXIT_INTERNAL;
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip()
                + " (see '" + name + " --help')");
        cmd.getErr().flush();
        return EXIT_ERROR;
    }
}
