package dev.softmaxengine.cuda;

/**
 * How one op runs on the GPU; each strategy is one kernel source file (and PTX module) in
 * {@code kernels/src/main/cuda}. {@link LaunchPlan#of} chooses among them by shape.
 */
public enum Strategy {
    /** Sigmoid and log-sigmoid over every element. */
    ELEMENTWISE("sigmoid_elementwise"),
    /** Contiguous rows of at most {@value LaunchPlan#WARP_MAX_COLS} elements in the registers of one warp (or part of one). */
    WARP_PER_ROW("softmax_warp_per_row"),
    /** Softmax / log-softmax of longer contiguous rows cached in a block's shared memory. */
    BLOCK_SMEM("softmax_block_smem"),
    /** One block per contiguous row: online-normalizer pass, then the output pass. */
    ONLINE_BLOCK("softmax_online_two_pass"),
    /** A few very long contiguous rows, each split over several blocks (partial pass, then finish). */
    ONLINE_SPLIT("softmax_online_two_pass"),
    /** A non-last axis: threads across the inner dimension, the axis split over the block's rows. */
    STRIDED("softmax_strided"),
    /** Top-k and sample: one thread per slice, bisections over the order keys. */
    SELECTION("selection");

    private final String module;

    Strategy(String module) {
        this.module = module;
    }

    /** The kernel source / PTX resource, without extension. */
    public String module() {
        return module;
    }
}
