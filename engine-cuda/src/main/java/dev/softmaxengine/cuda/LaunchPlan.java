package dev.softmaxengine.cuda;

import dev.softmaxengine.api.spi.RowDispatch;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which kernels run one request, with which grid, block and shared memory: the dispatcher of the
 * CUDA backend, pure Java so that its choices are tested without a GPU. Choice by the
 * {@code (outer, n, inner)} layout of {@link dev.softmaxengine.api.spi.OpRequest}, after OneFlow's
 * {@code softmax.cuh}:
 * <ol>
 *   <li>sigmoid and log-sigmoid: {@link Strategy#ELEMENTWISE};</li>
 *   <li>a non-last axis ({@code inner > 1}): {@link Strategy#STRIDED};</li>
 *   <li>rows of at most {@value #WARP_MAX_COLS}: {@link Strategy#WARP_PER_ROW};</li>
 *   <li>softmax / log-softmax rows that fit a block's shared memory: {@link Strategy#BLOCK_SMEM};</li>
 *   <li>anything longer, and logsumexp / hardmax / argmax rows, which read their input once anyway:
 *       {@link Strategy#ONLINE_BLOCK}, or {@link Strategy#ONLINE_SPLIT} when there are too few rows
 *       to give every SM a block.</li>
 * </ol>
 *
 * @param strategy the kernel family
 * @param vec elements per vector access (1, or 128 bits when every row starts 16-byte aligned)
 * @param splits blocks per row of {@link Strategy#ONLINE_SPLIT}, else 1
 * @param chunk elements per split of {@link Strategy#ONLINE_SPLIT}, else the row length
 * @param workspaceBytes device workspace the launches need (one pair of doubles per split and row)
 * @param launches the kernels to run in order on one stream
 */
public record LaunchPlan(Strategy strategy, int vec, int splits, long chunk, long workspaceBytes, List<Launch> launches) {

    /** Rows up to 32 lanes x 32 registers stay in registers without spilling (OneFlow's bound). */
    public static final int WARP_MAX_COLS = 1024;
    /** Threads per block of the warp kernels (kWarpBlock): four warps. */
    public static final int WARP_BLOCK = 128;
    /** Threads per block of the strided kernel (kStridedBlock, the size of its reduction arrays). */
    public static final int STRIDED_BLOCK = 256;
    public static final int ELEMENTWISE_BLOCK = 256;
    /** Threads per block of the selection kernels (kSelectionBlock). */
    public static final int SELECTION_BLOCK = 256;
    public static final int MAX_BLOCK = 1024;
    /** cuMemAlloc returns 256-byte aligned memory, and tensors start at their buffer's first element. */
    public static final int BASE_ALIGNMENT = 256;
    /**
     * Grids are capped at this many blocks per SM (the resident limit of sm_80 and sm_90); the
     * kernels loop grid-stride over the rest, so a cap is a matter of waves, never of coverage.
     */
    public static final int BLOCKS_PER_SM = 32;
    /** Static shared memory of the block kernels (their reduction scratch), kept free of the row cache. */
    public static final int STATIC_SHARED_RESERVE = 1024;
    /** Packs per thread that size the blocks of the row kernels: enough work to hide latency per thread. */
    static final int SMEM_PACKS_PER_THREAD = 4;
    static final int ONLINE_PACKS_PER_THREAD = 8;
    /** A split must give each of its 1024 threads at least 8 packs, or splitting costs more than it gains. */
    static final int SPLIT_MIN_PACKS = MAX_BLOCK * ONLINE_PACKS_PER_THREAD;
    /** Two 1024-thread blocks fill an SM (2048 resident threads on sm_80 / sm_90). */
    static final int SPLIT_BLOCKS_PER_SM = 2;
    static final int MAX_SPLITS = 1024;
    /** CUDA's limit on gridDim.y. */
    static final int MAX_GRID_Y = 65_535;

    /**
     * One kernel launch.
     *
     * @param function the {@code extern "C"} entry point in the strategy's PTX module
     * @param sharedBytes dynamic shared memory; above {@link DeviceLimits#sharedPerBlock()} the
     *     function must have opted in with {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}
     */
    public record Launch(String function, int gridX, int gridY, int blockX, int blockY, int sharedBytes) {
        public Launch {
            if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y) {
                throw new IllegalArgumentException("grid must be >= 1 (y <= " + MAX_GRID_Y + "), was " + gridX + " x " + gridY);
            }
            if (blockX < 1 || blockY < 1 || (long) blockX * blockY > MAX_BLOCK) {
                throw new IllegalArgumentException("block must hold 1.." + MAX_BLOCK + " threads, was " + blockX + " x " + blockY);
            }
            if (sharedBytes < 0) {
                throw new IllegalArgumentException("sharedBytes must be >= 0, was " + sharedBytes);
            }
        }

        public int threads() {
            return blockX * blockY;
        }
    }

    public LaunchPlan {
        launches = List.copyOf(launches);
    }

    /**
     * The plan for {@code op} over an {@code (outer, n, inner)} layout ({@code outer = 1, n = size,
     * inner = 1} for the elementwise ops).
     *
     * @throws IllegalArgumentException for a negative extent, or an empty output (nothing to launch)
     */
    public static LaunchPlan of(Op op, DType dtype, long outer, long n, long inner, DeviceLimits limits) {
        if (op == null || dtype == null || limits == null) {
            throw new IllegalArgumentException("op, dtype and limits must not be null");
        }
        if (outer < 0 || n < 0 || inner < 0) {
            throw new IllegalArgumentException("outer, n and inner must be >= 0, were " + outer + ", " + n + ", " + inner);
        }
        // Only logsumexp has an output (of -inf) over an empty axis.
        if (outer == 0 || inner == 0 || (n == 0 && op != Op.LOGSUMEXP)) {
            throw new IllegalArgumentException("nothing to launch for " + op.cliName() + " over (outer " + outer + ", n "
                    + n + ", inner " + inner + "); empty outputs are handled before planning");
        }
        String dt = dtypeName(dtype);
        int wide = 16 / dtype.byteSize();
        if (op == Op.TOP_K || op == Op.SAMPLE) {
            // Sample reduces the last axis (inner is 1); top-k takes a thread per slice (o, i).
            long slices = Math.multiplyExact(outer, inner);
            int grid = cappedGrid(ceilDiv(slices, SELECTION_BLOCK), limits);
            String function = (op == Op.TOP_K ? "top_k_" : "sample_") + dt;
            return single(Strategy.SELECTION, 1, n, new Launch(function, grid, 1, SELECTION_BLOCK, 1, 0));
        }
        if (op.isElementwise()) {
            // The whole tensor starts at a buffer's base (BASE_ALIGNMENT), so packs are always aligned.
            int vec = wide;
            int grid = cappedGrid(ceilDiv(n, (long) ELEMENTWISE_BLOCK * vec), limits);
            return single(Strategy.ELEMENTWISE, vec, n, new Launch(elementwiseFunction(dt, vec), grid, 1, ELEMENTWISE_BLOCK, 1, 0));
        }
        // A row starts 16-byte aligned exactly when n * byteSize is a multiple of 16.
        int vec = inner == 1 && n > 0 && n % wide == 0 ? wide : 1;
        long packs = n / vec;
        long rows = outer;
        long wantedBlocks = (long) SPLIT_BLOCKS_PER_SM * limits.multiprocessors();
        RowDispatch.Limits dispatch = new RowDispatch.Limits(WARP_MAX_COLS,
                // The cached row is held in the compute type: float for the 16-bit dtypes.
                Math.max(0, limits.sharedPerBlockOptIn() - STATIC_SHARED_RESERVE) / dtype.computeType().byteSize(),
                wantedBlocks, 2L * SPLIT_MIN_PACKS * vec);
        switch (RowDispatch.choose(op, outer, n, inner, dispatch)) {
            case ELEMENTWISE -> throw new AssertionError("elementwise ops are planned above");
            case STRIDED -> {
                int x = (int) Math.min(pow2Ceil(inner), 32);
                int y = (int) Math.max(1, Math.min(pow2Ceil(n), STRIDED_BLOCK / x));
                int grid = cappedGrid(Math.multiplyExact(outer, ceilDiv(inner, x)), limits);
                return single(Strategy.STRIDED, 1, n, new Launch(stridedFunction(dt), grid, 1, x, y, 0));
            }
            case LANES_PER_ROW -> {
                int width;
                int packsPerLane;
                if (packs <= 32) {
                    width = (int) Math.max(1, pow2Ceil(packs));
                    packsPerLane = 1;
                } else {
                    width = 32;
                    packsPerLane = (int) pow2Ceil(ceilDiv(packs, 32));
                }
                int grid = cappedGrid(ceilDiv(rows, WARP_BLOCK / width), limits);
                return single(Strategy.WARP_PER_ROW, vec, n,
                        new Launch(warpFunction(dt, vec, packsPerLane, width), grid, 1, WARP_BLOCK, 1, 0));
            }
            case CACHED_ROW -> {
                int threads = blockFor(packs, SMEM_PACKS_PER_THREAD);
                int rowBytes = (int) (n * dtype.computeType().byteSize());
                return single(Strategy.BLOCK_SMEM, vec, n,
                        new Launch(blockSmemFunction(dt, vec), cappedGrid(rows, limits), 1, threads, 1, rowBytes));
            }
            case ONLINE_SPLIT -> {
                long splits = Math.min(Math.min(ceilDiv(wantedBlocks, rows), packs / SPLIT_MIN_PACKS), MAX_SPLITS);
                long chunk = ceilDiv(ceilDiv(n, splits), vec) * vec;
                int s = (int) ceilDiv(n, chunk);
                int r = (int) rows;
                int finishX = op == Op.LOGSUMEXP || op == Op.ARGMAX ? 1 : s;
                List<Launch> launches = new ArrayList<>(2);
                launches.add(new Launch(splitPartialFunction(dt, vec), s, r, MAX_BLOCK, 1, 0));
                launches.add(new Launch(splitFinishFunction(dt, vec), finishX, r, MAX_BLOCK, 1, 0));
                return new LaunchPlan(Strategy.ONLINE_SPLIT, vec, s, chunk, 2L * Double.BYTES * s * rows, launches);
            }
            case ONLINE -> {
                int threads = blockFor(packs, ONLINE_PACKS_PER_THREAD);
                return single(Strategy.ONLINE_BLOCK, vec, n,
                        new Launch(onlineFunction(dt, vec), cappedGrid(rows, limits), 1, threads, 1, 0));
            }
        }
        throw new AssertionError("unreachable");
    }

    private static LaunchPlan single(Strategy s, int vec, long n, Launch launch) {
        return new LaunchPlan(s, vec, 1, n, 0, List.of(launch));
    }

    /** Every entry point the PTX module {@code module} (a {@link Strategy#module()}) must declare. */
    public static SortedSet<String> entryPoints(String module) {
        SortedSet<String> names = new TreeSet<>();
        for (DType dtype : DTYPES) {
            String dt = dtypeName(dtype);
            int wide = 16 / dtype.byteSize();
            for (int vec : new int[] {1, wide}) {
                switch (module) {
                    case "softmax_warp_per_row" -> {
                        for (int width = 1; width <= 32; width *= 2) {
                            names.add(warpFunction(dt, vec, 1, width));
                        }
                        for (int packs = 2; packs * vec <= 32; packs *= 2) {
                            names.add(warpFunction(dt, vec, packs, 32));
                        }
                    }
                    case "softmax_block_smem" -> names.add(blockSmemFunction(dt, vec));
                    case "softmax_online_two_pass" -> {
                        names.add(onlineFunction(dt, vec));
                        names.add(splitPartialFunction(dt, vec));
                        names.add(splitFinishFunction(dt, vec));
                    }
                    case "softmax_strided" -> names.add(stridedFunction(dt));
                    case "sigmoid_elementwise" -> names.add(elementwiseFunction(dt, vec));
                    case "selection" -> {
                        names.add("top_k_" + dt);
                        names.add("sample_" + dt);
                    }
                    default -> throw new IllegalArgumentException("unknown module '" + module + "'");
                }
            }
        }
        return names;
    }

    /** The dtypes with entry points: the two compute dtypes and the 16-bit ones (__nv_bfloat16, __half). */
    static final List<DType> DTYPES = List.of(DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16, DType.FLOAT16);

    static String dtypeName(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case BFLOAT16 -> "bf16";
            case FLOAT16 -> "f16";
            case INT32 -> throw new IllegalArgumentException("no op reads INT32");
        };
    }

    static String warpFunction(String dt, int vec, int packs, int width) {
        return String.format(Locale.ROOT, "softmax_warp_%s_v%d_p%d_w%d", dt, vec, packs, width);
    }

    static String blockSmemFunction(String dt, int vec) {
        return "softmax_block_smem_" + dt + "_v" + vec;
    }

    static String onlineFunction(String dt, int vec) {
        return "softmax_online_" + dt + "_v" + vec;
    }

    static String splitPartialFunction(String dt, int vec) {
        return "softmax_split_partial_" + dt + "_v" + vec;
    }

    static String splitFinishFunction(String dt, int vec) {
        return "softmax_split_finish_" + dt + "_v" + vec;
    }

    static String stridedFunction(String dt) {
        return "softmax_strided_" + dt;
    }

    static String elementwiseFunction(String dt, int vec) {
        return "sigmoid_" + dt + "_v" + vec;
    }

    /** Threads for a row of {@code packs} packs, about {@code perThread} each: a power of two in [128, 1024]. */
    private static int blockFor(long packs, int perThread) {
        return Math.clamp(pow2Ceil(ceilDiv(packs, perThread)), 128, MAX_BLOCK);
    }

    private static int cappedGrid(long blocks, DeviceLimits limits) {
        return (int) Math.clamp(blocks, 1, (long) BLOCKS_PER_SM * limits.multiprocessors());
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** The least power of two >= v (1 for v <= 1). */
    static long pow2Ceil(long v) {
        return v <= 1 ? 1 : Long.highestOneBit(v - 1) << 1;
    }
}
