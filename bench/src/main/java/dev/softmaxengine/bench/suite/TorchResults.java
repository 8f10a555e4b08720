package dev.softmaxengine.bench.suite;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
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
 * Merges the JSON of {@code bench/scripts/torch_softmax_bench.py} (torch on a GPU, timed with CUDA
 * events) into a report: its results become contender {@value #LABEL}, its device-to-device copy
 * becomes torch's ceiling, which also bounds this run's {@code cuda} results where they have no
 * device copy ceiling of their own (the script runs on the same machine). GB/s and fractions are computed here, with {@link Traffic}, as for every result.
 */
public final class TorchResults {
    public static final String SCHEMA = "softmax-engine-torch/1";
    public static final String LABEL = "torch";
    public static final String CEILING_ID = "torch-device-copy";
    private static final String CUDA = "cuda";

    /** The script's file. */
    record File(String schema, String torch, String device, Timed ceiling, List<Case> results) {
    }

    /** Times of one measurement, in ms per call from CUDA events. */
    record Timed(long bytes, int count, double minMs, double medianMs, double maxMs) {
        Samples samples() {
            return new Samples(Samples.DEVICE_EVENTS, count, 1, minMs, medianMs, maxMs);
        }
    }

    /** One op on one shape. */
    record Case(String op, String dtype, String batch, long rows, long cols, int count, double minMs, double medianMs,
                double maxMs) {
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
        if (f == null || !SCHEMA.equals(f.schema())) {
            throw new IllegalArgumentException(torchJson + ": schema must be " + SCHEMA + ", was "
                    + (f == null ? "an empty file" : f.schema()));
        }
        if (f.results() == null || f.device() == null) {
            throw new IllegalArgumentException(torchJson + ": needs 'device' and 'results'");
        }
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
            BenchShape shape = new BenchShape(c.rows(), c.cols());
            Samples samples = new Samples(Samples.DEVICE_EVENTS, c.count(), 1, c.minMs(), c.medianMs(), c.maxMs());
            merged.add(CaseResult.of(LABEL, LABEL, LABEL, device, 0, CaseResult.DEVICE, c.batch(), c.rows(), c.cols(),
                    op.cliName(), SweepPlan.dtypeName(SweepPlan.parseDtype(c.dtype())), samples,
                    Traffic.bytes(op, SweepPlan.parseDtype(c.dtype()), shape), ceiling, null));
        }
        notes.add("merged " + merged.size() + " torch results from " + torchJson.getFileName());
        return report.withResults(results).plus(ceiling == null ? List.of() : List.of(ceiling), merged, notes);
    }
}
