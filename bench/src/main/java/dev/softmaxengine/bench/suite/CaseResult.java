package dev.softmaxengine.bench.suite;

/**
 * One measured case: a contender running one op on one shape and dtype.
 *
 * @param source {@code suite}, or {@code torch} for a result merged from the companion script
 * @param label the contender as reports name it: {@code simd x2}, {@code onnxruntime x1}, {@code cuda}
 * @param threads CPU threads; 0 for a device backend
 * @param memory {@code host} or {@code device}: where the operands live while it computes
 * @param batch {@link SweepPlan#LARGE} or {@link SweepPlan#SMALL}
 * @param op the op's {@link dev.softmaxengine.api.Op#cliName()}
 * @param dtype {@code float32} or {@code float64}
 * @param bytes effective bytes per call ({@link Traffic})
 * @param gbps effective GB/s at the median time
 * @param bestGbps effective GB/s at the best time
 * @param ceiling id of the {@link Ceiling} that bounds it; null where none was measured
 * @param fractionOfCeiling {@code gbps} over the ceiling's GB/s; null without a ceiling
 */
public record CaseResult(String source, String label, String backend, String device, int threads, String memory,
                         String batch, long rows, long cols, String op, String dtype, Samples timing, long bytes,
                         double gbps, double bestGbps, String ceiling, Double fractionOfCeiling) {
    public static final String HOST = "host";
    public static final String DEVICE = "device";

    /** The figures of {@code timing}, as a fraction of {@code bound} when there is one. */
    public static CaseResult of(String source, String label, String backend, String device, int threads,
                                String memory, String batch, long rows, long cols, String op, String dtype,
                                Samples timing, long bytes, Ceiling bound) {
        double gbps = Traffic.gigabytesPerSecond(bytes, timing.medianMs());
        double best = Traffic.gigabytesPerSecond(bytes, timing.minMs());
        return new CaseResult(source, label, backend, device, threads, memory, batch, rows, cols, op, dtype, timing,
                bytes, gbps, best, bound == null ? null : bound.id(), bound == null ? null : gbps / bound.gbps());
    }

    /** This result measured against {@code bound}. */
    public CaseResult against(Ceiling bound) {
        return new CaseResult(source, label, backend, device, threads, memory, batch, rows, cols, op, dtype, timing,
                bytes, gbps, bestGbps, bound.id(), gbps / bound.gbps());
    }

    /** {@code "<rows>x<cols>"}, as {@link dev.softmaxengine.bench.BenchShape} writes it. */
    public String shape() {
        return rows + "x" + cols;
    }
}
