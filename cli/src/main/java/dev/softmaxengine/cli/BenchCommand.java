package dev.softmaxengine.cli;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.suite.Ceiling;
import dev.softmaxengine.bench.suite.ComparisonTable;
import dev.softmaxengine.bench.suite.HardwareSuite;
import dev.softmaxengine.bench.suite.Progress;
import dev.softmaxengine.bench.suite.ProgressLine;
import dev.softmaxengine.bench.suite.ReportFiles;
import dev.softmaxengine.bench.suite.ResultsJson;
import dev.softmaxengine.bench.suite.SuiteReport;
import dev.softmaxengine.bench.suite.SweepPlan;
import dev.softmaxengine.bench.suite.TorchResults;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: the hardware benchmark suite ({@link HardwareSuite}): the machine's copy ceiling,
 * then every usable backend over a sweep of shapes, written as results.json, report.html and PNG
 * charts. JMH (bench/run-jmh.sh) stays the instrument for micro-benchmarks.
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = {"Measures the machine's copy bandwidth (1 and all threads), then every usable backend (scalar,"
                + " simd at 1 and all threads, ONNX Runtime's Softmax, OpenCL and CUDA where present) over rows of 32"
                + " to 1,048,576 columns in batches that leave the caches, plus one-row batches; softmax,"
                + " log-softmax, logsumexp and sigmoid in float32 and float64.",
                "Writes DIR/results.json, DIR/report.html and DIR/*.png (GB/s against the copy roofline) and prints"
                        + " the comparison table. Exit status 2 if a case failed (the report is written first)."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "Four row lengths and short timing: about two minutes on two cores.")
    boolean quick;

    @Option(names = "--backend", split = ",", paramLabel = "NAME",
            description = "Only these: scalar, simd, onnxruntime, opencl, cuda (comma-separated; default: every usable"
                    + " one). A named backend that cannot run is an error.")
    List<String> backends = new ArrayList<>();

    @Option(names = "--ops", split = ",", paramLabel = "OP", converter = ApplyCommand.OpConverter.class,
            description = "Ops to measure (default: softmax,log-softmax,logsumexp,sigmoid; also log-sigmoid, hardmax).")
    List<Op> ops = new ArrayList<>();

    @Option(names = "--dtypes", split = ",", paramLabel = "DTYPE",
            description = "float32, float64 (default: both).")
    List<String> dtypes = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-report",
            description = "Folder for results.json, report.html and the charts (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--merge", paramLabel = "TORCH_JSON",
            description = "JSON of bench/scripts/torch_softmax_bench.py to merge into the report (repeatable).")
    List<Path> merge = new ArrayList<>();

    @Option(names = "--from", paramLabel = "RESULTS_JSON",
            description = "Do not measure: redraw the report from an earlier results.json (with --merge, say).")
    Path from;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        SuiteReport report;
        if (from != null) {
            if (quick || !backends.isEmpty() || !ops.isEmpty() || !dtypes.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--from redraws an earlier run; --quick, --backend, --ops and --dtypes do not apply");
            }
            report = ResultsJson.read(from);
        } else {
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
            Progress progress = new ProgressLine(stderr);
            try {
                report = new HardwareSuite(plan, progress).run(backends);
            } finally {
                progress.finish();
            }
        }
        for (Path torch : merge) {
            report = TorchResults.merge(report, torch);
        }
        List<Path> written = ReportFiles.write(report, out);

        for (Ceiling c : report.ceilings()) {
            stdout.printf(Locale.ROOT, "ceiling: %-40s %8.2f GB/s (best of %d)%n", c.label(), c.gbps(),
                    c.samples().count());
        }
        stdout.println();
        stdout.print(ComparisonTable.text(ComparisonTable.of(report)));
        report.notes().forEach(n -> stdout.println("note: " + n));
        stdout.println("wrote " + written.size() + " files to " + out + ": " + ReportFiles.HTML + ", "
                + ReportFiles.RESULTS + " and " + (written.size() - 2) + " charts");
        stdout.flush();
        if (!report.failures().isEmpty()) {
            report.failures().forEach(f -> stderr.println("bench: failed: " + f));
            throw new IllegalStateException(report.failures().size() + " cases failed (listed above and in "
                    + ReportFiles.RESULTS + ")");
        }
        return 0;
    }
}
