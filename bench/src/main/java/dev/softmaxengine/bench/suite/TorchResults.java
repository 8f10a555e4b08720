package dev.softmaxengine.bench.suite;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.bench.BenchShape;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Merges the JSON of {@code bench/scripts/torch_softmax_bench.py} into a report. On a GPU (schema 1,
 * or 2 with {@code memory: device}; timed with CUDA events) its results become contender
 * {@value #LABEL}, its device-to-device copy becomes torch's ceiling, which also bounds this run's
 * {@code cuda} results where they have no device copy ceiling of their own (the script runs on the
 * same machine). On the CPU (schema 2, {@code memory: host}; timed with {@code time.perf_counter})
 * its results become {@code torch x1}, {@code torch x2} ... by torch's thread count, bound by this
 * run's CPU copy ceiling and compute roof of that thread count, as {@code simd} at those threads is.
 * Those were timed in another process after this run, not interleaved with it. GB/s and fractions
 * are computed here, with {@link Traffic}, as for every result.
 */
public final class TorchResults {
    public static final String SCHEMA = "softmax-engine-torch/2";
    /** The GPU-only schema before the CPU mode; still read. */
    public static final String SCHEMA_1 = "softmax-engine-torch/1";
    public static final String LABEL = "torch";
    public static final String CEILING_ID = "torch-device-copy";
    private static final String CUDA = "cuda";

    /**
     * The script's file.
     *
     * @param memory {@code host} for the CPU mode, {@code device} (or absent, as in schema 1) for a GPU
     */
    record File(String schema, String torch, String device, String memory, Timed ceiling, List<Case> results) {
    }

    /** Times of one measurement, in ms per call from CUDA events. */
    record Timed(long bytes, int count, double minMs, double medianMs, double maxMs) {
        Samples samples() {
            return new Samples(Samples.DEVICE_EVENTS, count, 1, minMs, medianMs, maxMs);
        }
    }

    /**
     * One op on one shape.
     *
     * @param threads torch's intra-op threads in the CPU mode; absent (0) on a GPU
     * @param k top-k's k; absent (0) for the other ops
     * @param group calls per sample in the CPU mode (each sample is their mean); absent (0): 1
     */
    record Case(String op, String dtype, String batch, long rows, long cols, int threads, int k, int group, int count,
                double minMs, double medianMs, double maxMs) {
    }

    private TorchResults() {
    }

    /**
     * @throws IllegalArgumentException when {@code torchJson} is not the script's output
     */
    public static SuiteReport merge(SuiteReport report, Path torchJson) throws IOException {
        File f;
        try (Reader r = Files.newBufferedReader(torchJson, StandardCharsets.UTF_8)) {
            f = new Gson().fromJson(r, File.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(torchJson + ": not torch benchmark JSON: " + e.getMessage(), e);
        }
        if (f == null || !(SCHEMA.equals(f.schema()) || SCHEMA_1.equals(f.schema()))) {
            throw new IllegalArgumentException(torchJson + ": schema must be " + SCHEMA + " or " + SCHEMA_1 + ", was "
                    + (f == null ? "an empty file" : f.schema()));
        }
        if (f.results() == null || f.device() == null) {
            throw new IllegalArgumentException(torchJson + ": needs 'device' and 'results'");
        }
        boolean host = CaseResult.HOST.equals(f.memory());
        if (!host && f.memory() != null && !CaseResult.DEVICE.equals(f.memory())) {
            throw new IllegalArgumentException(torchJson + ": memory must be host or device, was " + f.memory());
        }
        return host ? mergeHost(report, f, torchJson) : mergeDevice(report, f, torchJson);
    }

    private static SuiteReport mergeDevice(SuiteReport report, File f, Path torchJson) {
        String device = f.device() + " (torch " + f.torch() + ")";
        List<String> notes = new ArrayList<>();
        Ceiling ceiling = null;
        if (f.ceiling() != null) {
            ceiling = Ceiling.of(CEILING_ID, "device copy (torch, " + f.device() + ")", device, 0, f.ceiling().bytes(),
                    f.ceiling().samples(), LABEL);
            notes.add("torch's device-to-device copy on " + f.device() + " bounds the torch results, and the cuda"
                    + " results that have no device copy ceiling of their own");
        }
        List<CaseResult> results = new ArrayList<>();
        for (CaseResult r : report.results()) {
            boolean unbound = r.backend().equals(CUDA) && r.ceiling() == null && ceiling != null;
            results.add(unbound ? r.against(ceiling) : r);
        }
        List<CaseResult> merged = new ArrayList<>();
        for (Case c : f.results()) {
            Op op = Op.parse(c.op());
            DType dtype = SweepPlan.parseDtype(c.dtype());
            Samples samples = new Samples(Samples.DEVICE_EVENTS, c.count(), 1, c.minMs(), c.medianMs(), c.maxMs());
            merged.add(CaseResult.of(LABEL, LABEL, LABEL, device, 0, CaseResult.DEVICE, c.batch(), c.rows(), c.cols(),
                    op.cliName(), SweepPlan.dtypeName(dtype), samples,
                    Traffic.bytes(op, dtype, new BenchShape(c.rows(), c.cols()), c.k()), ceiling, null));
        }
        notes.add("merged " + merged.size() + " torch results from " + torchJson.getFileName());
        return report.withResults(results).plus(ceiling == null ? List.of() : List.of(ceiling), merged, notes);
    }

    /** The CPU mode: each result as contender {@code torch xT}, against this run's roofs at T threads. */
    private static SuiteReport mergeHost(SuiteReport report, File f, Path torchJson) {
        String device = f.device() + " (torch " + f.torch() + ")";
        SelectionParams selection = report.plan().selection();
        List<CaseResult> merged = new ArrayList<>();
        for (Case c : f.results()) {
            if (c.threads() < 1) {
                throw new IllegalArgumentException(torchJson + ": a CPU result needs threads >= 1, was " + c.threads()
                        + " for " + c.op() + " " + c.rows() + "x" + c.cols());
            }
            Op op = Op.parse(c.op());
            DType dtype = SweepPlan.parseDtype(c.dtype());
            Samples samples = new Samples(Samples.HOST_CLOCK, c.count(), Math.max(1, c.group()), c.minMs(),
                    c.medianMs(), c.maxMs());
            boolean exps = ComputeRoof.expsPerElement(op) > 0 && (op != Op.SAMPLE || selection == null
                    || selection.topK() == 0);
            String roofId = ComputeRoof.id(SweepPlan.dtypeName(dtype.computeType()), c.threads());
            ComputeRoof roof = exps ? report.roofs().stream().filter(r -> r.id().equals(roofId)).findFirst()
                    .orElse(null) : null;
            String label = LABEL + " x" + c.threads();
            merged.add(CaseResult.of(LABEL, label, LABEL, device, c.threads(), CaseResult.HOST, c.batch(), c.rows(),
                    c.cols(), op.cliName(), SweepPlan.dtypeName(dtype), samples,
                    Traffic.bytes(op, dtype, new BenchShape(c.rows(), c.cols()), c.k()),
                    report.ceiling(Ceiling.cpuId(c.threads())), roof));
        }
        List<String> notes = List.of("merged " + merged.size() + " torch CPU results from " + torchJson.getFileName()
                + ": timed by torch's own process after this run (time.perf_counter), not interleaved with this run's"
                + " contenders, so their ratios carry the drift between the two runs");
        return report.plus(List.of(), merged, notes);
    }
}
