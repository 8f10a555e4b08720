package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.Op;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything one run measured, as {@code results.json} holds it ({@link ResultsJson}).
 *
 * @param notes what was left out and why (an unusable backend, a ceiling that could not be measured)
 * @param failures cases that threw; the rest of the run went on
 */
public record SuiteReport(String schema, String created, Machine machine, RunInfo run, Plan plan,
                          List<Ceiling> ceilings, List<ComputeRoof> roofs, List<CaseResult> results,
                          List<TransferResult> transfers, List<String> notes, List<String> failures) {
    /** The schema written; {@link ResultsJson} reads {@link #SCHEMA_1} too (see its migration). */
    public static final String SCHEMA = "softmax-engine-bench/2";
    public static final String SCHEMA_1 = "softmax-engine-bench/1";

    /**
     * The sweep as run (after {@link SweepPlan#fitTo}), in plain fields.
     *
     * @param threads host thread counts (absent in schema 1, which ran 1 and all)
     * @param shapes the {@code --shapes} given, {@code RxC}; empty for the sweep
     * @param repeatUntil the target half-width of the median's bootstrap interval (0.02: ±2%); 0 when off
     * @param selection the parameters of the top-k and sample cases; null in files from before them
     */
    public record Plan(boolean quick, List<String> ops, List<String> dtypes, List<Long> largeCols, List<Long> smallCols,
                       long smallRows, long batchBytes, long copyBytes, double minWarmupMs, double maxWarmupMs,
                       double minMeasureMs, int minSamples, int maxSamples, double maxCaseMs, List<Integer> threads,
                       List<String> shapes, double repeatUntil, SelectionParams selection) {
        public Plan {
            threads = threads == null ? List.of() : List.copyOf(threads);
            shapes = shapes == null ? List.of() : List.copyOf(shapes);
        }

        public static Plan of(SweepPlan p) {
            return new Plan(p.quick(), p.ops().stream().map(Op::cliName).toList(),
                    p.dtypes().stream().map(SweepPlan::dtypeName).toList(), p.largeCols(), p.smallCols(), p.smallRows(),
                    p.batchBytes(), p.copyBytes(), p.timing().minWarmup().toNanos() / 1e6,
                    p.timing().maxWarmup().toNanos() / 1e6, p.timing().minMeasure().toNanos() / 1e6,
                    p.timing().minSamples(), p.timing().maxSamples(), p.timing().maxCase().toNanos() / 1e6, p.threads(),
                    p.shapes().stream().map(Object::toString).toList(), p.timing().targetInterval(),
                    SweepPlan.hasSelection(p.ops()) ? p.selection() : null);
        }
    }

    public SuiteReport {
        ceilings = List.copyOf(ceilings);
        roofs = roofs == null ? List.of() : List.copyOf(roofs);
        results = List.copyOf(results);
        transfers = List.copyOf(transfers);
        notes = List.copyOf(notes);
        failures = List.copyOf(failures);
    }

    public Ceiling ceiling(String id) {
        for (Ceiling c : ceilings) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        return null;
    }

    /** This report with {@code more} results, ceilings and notes appended. */
    public SuiteReport plus(List<Ceiling> moreCeilings, List<CaseResult> moreResults, List<String> moreNotes) {
        List<Ceiling> c = new ArrayList<>(ceilings);
        c.addAll(moreCeilings);
        List<CaseResult> r = new ArrayList<>(results);
        r.addAll(moreResults);
        List<String> n = new ArrayList<>(notes);
        n.addAll(moreNotes);
        return new SuiteReport(schema, created, machine, run, plan, c, roofs, r, transfers, n, failures);
    }

    public ComputeRoof roof(String id) {
        for (ComputeRoof r : roofs) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        return null;
    }

    /** This report with its results replaced. */
    public SuiteReport withResults(List<CaseResult> newResults) {
        return new SuiteReport(schema, created, machine, run, plan, ceilings, roofs, newResults, transfers, notes, failures);
    }
}
