package dev.softmaxengine.simd;

import dev.softmaxengine.api.spi.OpRequest;

/**
 * The row kernels of one dtype over one kind of host memory, generated from
 * {@code src/template/Rows.java.template}: {@link FloatRows} and {@link DoubleRows} over Java
 * arrays, {@link FloatSegmentRows} and {@link DoubleSegmentRows} over native segments. The
 * kernel picks one per request and runs ranges of work units on its threads; each method reads its
 * operands from the request, so a range call costs one interface dispatch however many rows it covers.
 *
 * <p>Last-axis ops take ranges of rows; elementwise ops ranges of elements; strided ops (the axis
 * is not the last) ranges of {@link #stridedUnits} units.
 */
interface RowKernels {

    /** The row ops the generated classes run as passes over groups of rows. */
    enum RowOp { SOFTMAX, LOG_SOFTMAX, LOG_SUM_EXP }

    /** Softmax (log-softmax when {@code log}) of rows [from, to) along the last axis. */
    void softmax(OpRequest r, long from, long to, boolean log);

    /** logsumexp of rows [from, to) into out[row]. */
    void logSumExp(OpRequest r, long from, long to);

    /** First-max index of rows [from, to) into indices[row]. */
    void argmax(OpRequest r, long from, long to);

    /** One-hot first max of rows [from, to). */
    void hardmax(OpRequest r, long from, long to);

    /** Sigmoid (log-sigmoid when {@code log}) of elements [from, to). */
    void sigmoid(OpRequest r, long from, long to, boolean log);

    /**
     * First half of a softmax whose rows are cut into {@code parts} parts (unit u = row u / parts,
     * part u % parts): each part's max into max[u] and its sum of exp((x - max[u]) / T) into sum[u]
     * (NaN when the part holds a NaN, 0 when it holds only -inf); with {@code store}, the exps go to
     * out, to be scaled by {@link #splitFinish}.
     */
    void splitMaxSum(OpRequest r, long from, long to, int parts, double[] max, double[] sum, boolean store);

    /**
     * Second half: softmax scales part u's stored exps by factor[u]; log-softmax writes
     * (x - rowMax[row]) / T - logSum[row].
     */
    void splitFinish(OpRequest r, long from, long to, int parts, double[] factor, double[] rowMax, double[] logSum,
                     boolean log);

    /** The independent units a strided request splits into: slabs, or tiles of slabs. */
    long stridedUnits(OpRequest r);

    void softmaxStrided(OpRequest r, long from, long to, boolean log);

    void logSumExpStrided(OpRequest r, long from, long to);

    void argmaxStrided(OpRequest r, long from, long to);

    void hardmaxStrided(OpRequest r, long from, long to);
}
