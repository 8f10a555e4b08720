package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.Op;

/**
 * One measured case: a contender running one op on one shape and dtype.
 *
 * @param source {@code suite}, or {@code torch} for a result merged from the companion script
 * @param label the contender as reports name it: {@code simd x2}, {@code onnxruntime x1}, {@code cuda}
 * @param threads CPU threads; 0 for a device backend
 * @param memory {@code host} or {@code device}: where the operands live while it computes
 * @param batch {@link SweepPlan#LARGE}, {@link SweepPlan#SMALL} or {@link SweepPlan#CUSTOM}
 * @param op the op's {@link dev.softmaxengine.api.Op#cliName()}
 * @param dtype {@code float32} or {@code float64}
 * @param bytes effective bytes per call ({@link Traffic})
 * @param gbps effective GB/s at the median time
 * @param bestGbps effective GB/s at the best time
 * @param ceiling id of the {@link Ceiling} (the memory roof) that bounds it; null where none was measured
 * @param fractionOfCeiling {@code gbps} over the ceiling's GB/s; null without a ceiling
 * @param computeRoof id of the {@link ComputeRoof} of its dtype and threads; null for hardmax, device
 *     backends and schema-1 files
 * @param computeRoofGbps that roof in this op's effective GB/s
 * @param wall {@code memory} or {@code compute}: the lower of the two roofs, the one it is up against;
 *     null unless both are known
 */
public record CaseResult(String source, String label, String backend, String device, int threads, String memory,
                         String batch, long rows, long cols, String op, String dtype, Samples timing, long bytes,
                         double gbps, double bestGbps, String ceiling, Double fractionOfCeiling, String computeRoof,
                         Double computeRoofGbps, String wall) {
    public static final String HOST = "host";
    public static final String DEVICE = "device";
    public static final String MEMORY_WALL = "memory";
    public static final String COMPUTE_WALL = "compute";

    /** The figures of {@code timing}, as a fraction of {@code bound} when there is one, beside {@code roof} when there is one. */
    public static CaseResult of(String source, String label, String backend, String device, int threads,
                                String memory, String batch, long rows, long cols, String op, String dtype,
                                Samples timing, long bytes, Ceiling bound, ComputeRoof roof) {
        double gbps = Traffic.gigabytesPerSecond(bytes, timing.medianMs());
        double best = Traffic.gigabytesPerSecond(bytes, timing.minMs());
        Double roofGbps = null;
        if (roof != null) {
            double g = roof.gbps(Op.parse(op), bytes, rows * cols);
            roofGbps = Double.isNaN(g) ? null : g;
        }
        return new CaseResult(source, label, backend, device, threads, memory, batch, rows, cols, op, dtype, timing,
                bytes, gbps, best, bound == null ? null : bound.id(), bound == null ? null : gbps / bound.gbps(),
                roofGbps == null ? null : roof.id(), roofGbps, wall(bound, roofGbps));
    }

    /** This result measured against {@code bound}. */
    public CaseResult against(Ceiling bound) {
        return new CaseResult(source, label, backend, device, threads, memory, batch, rows, cols, op, dtype, timing,
                bytes, gbps, bestGbps, bound.id(), gbps / bound.gbps(), computeRoof, computeRoofGbps,
                wall(bound, computeRoofGbps));
    }

    /** This result as run {@code run} of a comparison: label and roof ids prefixed with it. */
    public CaseResult forRun(String run) {
        return new CaseResult(source, run + ": " + label, backend, device, threads, memory, batch, rows, cols, op, dtype,
                timing, bytes, gbps, bestGbps, ceiling == null ? null : run + "/" + ceiling, fractionOfCeiling,
                computeRoof == null ? null : run + "/" + computeRoof, computeRoofGbps, wall);
    }

    /** The lower of the memory roof and the compute roof, in GB/s; NaN when neither is known. */
    public double roofGbps(SuiteReport report) {
        Ceiling c = ceiling == null ? null : report.ceiling(ceiling);
        double m = c == null ? Double.NaN : c.gbps();
        if (computeRoofGbps == null) {
            return m;
        }
        return Double.isNaN(m) ? computeRoofGbps : Math.min(m, computeRoofGbps);
    }

    private static String wall(Ceiling bound, Double roofGbps) {
        if (bound == null || roofGbps == null) {
            return null;
        }
        return roofGbps < bound.gbps() ? COMPUTE_WALL : MEMORY_WALL;
    }

    /** {@code "<rows>x<cols>"}, as {@link dev.softmaxengine.bench.BenchShape} writes it. */
    public String shape() {
        return rows + "x" + cols;
    }
}
