package dev.softmaxengine.bench.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.softmaxengine.api.Op;

/**
 * The machine's exp throughput: the SIMD kernel's own vector exp on values held in registers, no
 * loads or stores ({@link ExpThroughput}), at one thread count and dtype, rated by its best sample
 * as the copy ceiling is. For an op that computes one exp per element it bounds the op's effective
 * GB/s at {@code elementsPerSecond * bytes per element}: the compute roof beside the memory roof.
 * It counts the exp alone (the max pass, the sums and the scaling come on top), so it is a bound,
 * not a prediction.
 *
 * @param id key that results name in {@link CaseResult#computeRoof()}, e.g. {@code exp-float32-x2}
 * @param lanes lanes of the vector species the exp ran in
 * @param elementsPerSecond exps per second at the best sample
 */
public record ComputeRoof(String id, String label, String dtype, int threads, int lanes, long elementsPerCall,
                          Samples samples, double elementsPerSecond) {
    public ComputeRoof {
        if (!(elementsPerSecond > 0) || Double.isInfinite(elementsPerSecond)) {
            throw new IllegalArgumentException("elementsPerSecond must be finite and > 0, was " + elementsPerSecond);
        }
    }

    public static ComputeRoof of(String dtype, int threads, int lanes, long elementsPerCall, Samples samples) {
        return new ComputeRoof(id(dtype, threads), "exp " + dtype + ", " + threads + (threads == 1 ? " thread" : " threads"),
                dtype, threads, lanes, elementsPerCall, samples, elementsPerCall / (samples.minMs() * 1e-3));
    }

    public static String id(String dtype, int threads) {
        return "exp-" + dtype + "-x" + threads;
    }

    /** Exps per element of {@code op}: 1 for the exp-based ops, 0 for hardmax (no compute roof). */
    public static int expsPerElement(Op op) {
        return switch (op) {
            case SOFTMAX, LOG_SOFTMAX, LOGSUMEXP, SIGMOID, LOG_SIGMOID, SAMPLE -> 1;
            case HARDMAX, ARGMAX, TOP_K -> 0;
        };
    }

    /**
     * The roof in effective GB/s for {@code op} moving {@code bytes} over {@code elements} input
     * elements, or NaN when the op has no exp.
     */
    public double gbps(Op op, long bytes, long elements) {
        int exps = expsPerElement(op);
        if (exps == 0) {
            return Double.NaN;
        }
        return elementsPerSecond / exps * ((double) bytes / elements) / 1e9;
    }

    /** Below this fraction of linear scaling a multi-thread roof earns a note. */
    static final double UNSCALED = 0.65;

    /**
     * A note for each roof at more threads hardly above its dtype's 1-thread roof: the exp probe is
     * compute-bound, so on cores of its own it scales with them, and where it does not other
     * processes held cores (measured on a 2-core machine: 1.0x at 2 threads while another build
     * ran, 1.95x when none did), and the run's multi-thread figures say as much about that load as
     * about the kernels.
     *
     * @param roofs the run's roofs
     * @return the notes, none when every roof scales
     */
    public static List<String> unscaledNotes(List<ComputeRoof> roofs) {
        List<String> notes = new ArrayList<>();
        for (ComputeRoof one : roofs) {
            if (one.threads() != 1) {
                continue;
            }
            for (ComputeRoof more : roofs) {
                double scale = more.elementsPerSecond() / one.elementsPerSecond();
                if (more.dtype().equals(one.dtype()) && more.threads() > 1 && scale < UNSCALED * more.threads()) {
                    notes.add(String.format(Locale.ROOT, "the %s exp roof at %d threads is %.2fx the 1-thread one:"
                            + " other processes were using cores, so the run's %d-thread figures are not the"
                            + " kernels' alone (run it on an otherwise idle machine)", more.dtype(), more.threads(),
                            scale, more.threads()));
                }
            }
        }
        return notes;
    }
}
