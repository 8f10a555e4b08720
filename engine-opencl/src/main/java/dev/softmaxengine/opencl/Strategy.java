package dev.softmaxengine.opencl;

import dev.softmaxengine.api.spi.RowDispatch;

import dev.softmaxengine.api.Op;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The kernel strategies, one {@code .cl} file each under {@code dev/softmaxengine/kernels/opencl/}
 * (the {@code kernels} artifact), and the dispatcher that picks one by shape, after OneFlow's
 * softmax: lanes per row while a row fits a lane group's private memory, a work-group per row with
 * the row in local memory while it fits there, and two streaming passes beyond.
 */
enum Strategy {
    LANES_PER_ROW("softmax_lanes_per_row.cl"),
    GROUP_LOCAL("softmax_group_local.cl"),
    ONLINE_TWO_PASS("softmax_online_two_pass.cl"),
    STRIDED("softmax_strided.cl"),
    ELEMENTWISE("sigmoid_elementwise.cl"),
    /** Top-k and sample: one work-item per slice, bisections over the order keys (see selection.cl). */
    SELECTION("selection.cl");

    /** Widest lane group: a warp on NVIDIA, half an AMD wavefront, the usual Intel SIMD width x 2. */
    static final int MAX_LANES = 32;
    /**
     * Row elements one work-item holds in private memory (MAX_COLS_PER_LANE in the .cl file). Past
     * 32 values GPUs start spilling registers, and OneFlow stops its warp kernel at the same 1024.
     */
    static final int MAX_COLS_PER_LANE = 32;
    static final long LANES_MAX_COLS = (long) MAX_LANES * MAX_COLS_PER_LANE;
    /**
     * Local memory one row may take: half of the 64 KiB a GPU compute unit typically has, so two
     * work-groups stay resident and one's loads overlap the other's reductions. 8192 fp32 elements.
     */
    static final long LOCAL_ROW_BUDGET_BYTES = 32L << 10;

    /** Output modes of the softmax-family kernels (MODE_* in softmax_common.cl). */
    static final int MODE_SOFTMAX = 0;
    static final int MODE_LOG_SOFTMAX = 1;
    static final int MODE_LOGSUMEXP = 2;

    /** In the kernels artifact; read through the class loader, which also finds it on the module path. */
    private static final String RESOURCES = "dev/softmaxengine/kernels/opencl/";
    private static final String COMMON = "softmax_common.cl";

    private final String file;

    Strategy(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    /**
     * The strategy for {@code op} over an axis of length {@code n} with stride {@code inner}, when
     * a row of at most {@code localRowElements} fits local memory.
     */
    static Strategy choose(Op op, long n, long inner, long localRowElements) {
        if (op == Op.TOP_K || op == Op.SAMPLE) {
            return SELECTION;
        }
        // OpenCL kernels split no row across groups.
        RowDispatch.Limits limits = new RowDispatch.Limits(LANES_MAX_COLS, Math.max(0, localRowElements), 0, 0);
        return switch (RowDispatch.choose(op, 1, n, inner, limits)) {
            case ELEMENTWISE -> ELEMENTWISE;
            case STRIDED -> STRIDED;
            case LANES_PER_ROW -> LANES_PER_ROW;
            case CACHED_ROW -> GROUP_LOCAL;
            case ONLINE, ONLINE_SPLIT -> ONLINE_TWO_PASS;
        };
    }

    /** OneFlow's thread-group width: the smallest power of two covering the row, at most {@link #MAX_LANES}. */
    static int lanesFor(long n) {
        if (n <= 1) {
            return 1;
        }
        return (int) Math.min(MAX_LANES, Long.highestOneBit(n - 1) << 1);
    }

    /** The kernel function of this strategy that computes {@code op}. */
    String kernelName(Op op) {
        String family = switch (op) {
            case ARGMAX -> "argmax";
            case HARDMAX -> "hardmax";
            case SIGMOID, LOG_SIGMOID -> "sigmoid";
            case SOFTMAX, LOG_SOFTMAX, LOGSUMEXP -> "softmax";
            case TOP_K -> "top_k";
            case SAMPLE -> "sample";
        };
        return switch (this) {
            case LANES_PER_ROW -> family + "_lanes";
            case GROUP_LOCAL -> family + "_group_local";
            case ONLINE_TWO_PASS -> family.equals("softmax") ? "softmax_online" : family + "_group";
            case STRIDED -> family + "_strided";
            case ELEMENTWISE, SELECTION -> family;
        };
    }

    /** The program source: the shared helpers, then this strategy's file. */
    String source() {
        return resource(COMMON) + "\n" + resource(file);
    }

    static String resource(String name) {
        try (InputStream in = Strategy.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("OpenCL kernel source " + RESOURCES + name
                        + " is not on the class path; engine-opencl needs the softmax-engine-kernels artifact");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading OpenCL kernel source " + RESOURCES + name, e);
        }
    }
}
