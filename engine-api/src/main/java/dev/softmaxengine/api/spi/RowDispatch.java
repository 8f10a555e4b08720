package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.Op;

/**
 * The one row-length dispatch of the device backends, after OneFlow's {@code softmax.cuh}: which
 * kind of kernel a request's shape calls for, given the device's limits. Each backend maps the
 * choice onto its own kernels (OpenCL's {@code Strategy}, CUDA's {@code LaunchPlan}).
 */
public final class RowDispatch {
    private RowDispatch() {
    }

    /** The kinds of kernel, in the order they are considered. */
    public enum Choice {
        /** Sigmoid and log-sigmoid: every element on its own. */
        ELEMENTWISE,
        /** A non-last axis: threads across the inner dimension read coalesced, without a transpose. */
        STRIDED,
        /** Short rows: a row in the registers of a few lanes (a warp or part of one). */
        LANES_PER_ROW,
        /** Softmax and log-softmax of a row that fits the group's local (shared) memory: read once, cached. */
        CACHED_ROW,
        /** Few very long rows, each cut across several groups (partial pass, then finish). */
        ONLINE_SPLIT,
        /** Anything longer: one group per row, the online normalizer's pass, then the output pass. */
        ONLINE
    }

    /**
     * What the dispatch needs to know of a device.
     *
     * @param lanesMaxCols the longest row {@link Choice#LANES_PER_ROW} takes
     * @param cachedRowElements the longest row {@link Choice#CACHED_ROW} caches (of the request's dtype); 0 for none
     * @param splitBelowRows with fewer rows than this a long row is split (enough groups to fill the device); 0 never
     * @param splitMinElements the shortest row worth splitting
     */
    public record Limits(long lanesMaxCols, long cachedRowElements, long splitBelowRows, long splitMinElements) {
        /**
         * Checks the limits.
         *
         * @throws IllegalArgumentException when one is negative
         */
        public Limits {
            if (lanesMaxCols < 0 || cachedRowElements < 0 || splitBelowRows < 0 || splitMinElements < 0) {
                throw new IllegalArgumentException("limits must be >= 0, were " + lanesMaxCols + ", "
                        + cachedRowElements + ", " + splitBelowRows + ", " + splitMinElements);
            }
        }
    }

    /**
     * The kernel kind for {@code op} over {@code outer} slices of {@code n} elements at stride
     * {@code inner}.
     *
     * @param op the operation
     * @param outer the slices before the axis (rows, for the last axis)
     * @param n the axis length
     * @param inner the stride of the axis (1 for the last axis)
     * @param limits the device's
     * @return the choice
     */
    public static Choice choose(Op op, long outer, long n, long inner, Limits limits) {
        if (op.isElementwise()) {
            return Choice.ELEMENTWISE;
        }
        if (inner > 1) {
            return Choice.STRIDED;
        }
        if (n <= limits.lanesMaxCols()) {
            return Choice.LANES_PER_ROW;
        }
        // Only softmax and log-softmax read a row twice; logsumexp, argmax and hardmax stream it once.
        if ((op == Op.SOFTMAX || op == Op.LOG_SOFTMAX) && n <= limits.cachedRowElements()) {
            return Choice.CACHED_ROW;
        }
        if (outer < limits.splitBelowRows() && n >= limits.splitMinElements()) {
            return Choice.ONLINE_SPLIT;
        }
        return Choice.ONLINE;
    }
}
