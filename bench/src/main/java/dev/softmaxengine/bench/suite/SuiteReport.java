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
public record SuiteReport(String schema, String created, Machine machine, Plan plan, List<Ceiling> ceilings,
                          List<CaseResult> results, List<TransferResult> transfers, List<String> notes,
                          List<String> failures) {
    public static final String SCHEMA = "softmax-engine-bench/1";

    /** The sweep as run (after {@link SweepPlan#fitTo}), in plain fields. */
    public record Plan(boolean quick, List<String> ops, List<String> dtypes, List<Long> largeCols, List<Long> smallCols,
                       long smallRows, long batchBytes, long copyBytes, double minWarmupMs, double maxWarmupMs,
                       double minMeasureMs, int minSamples, int maxSamples, double maxCaseMs) {
        public static Plan of(SweepPlan p) {
            return new Plan(p.quick(), p.ops().stream().map(Op::cliName).toList(),
                    p.dtypes().stream().map(SweepPlan::dtypeName).toList(), p.largeCols(), p.smallCols(), p.smallRows(),
                    p.batchBytes(), p.copyBytes(), p.timing().minWarmup().toNanos() / 1e6,
                    p.timing().maxWarmup().toNanos() / 1e6, p.timing().minMeasure().toNanos() / 1e6,
                    p.timing().minSamples(), p.timing().maxSamples(), p.timing().maxCase().toNanos() / 1e6);
        }
    }

    public SuiteReport {
        ceilings = List.copyOf(ceilings);
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
        return new SuiteReport(schema, created, machine, plan, c, r, transfers, n, failures);
    }

    /** This report with its results replaced. */
    public SuiteReport withResults(List<CaseResult> newResults) {
        return new SuiteReport(schema, created, machine, plan, ceilings, newResults, transfers, notes, failures);
    }
}
