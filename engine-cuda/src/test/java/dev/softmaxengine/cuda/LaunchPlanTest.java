package dev.softmaxengine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.testkit.TestSeed;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LaunchPlanTest {
    /** T4 (sm_75), RTX 3090 (sm_86) and H100 / H200 (sm_90), as their drivers report them. */
    private static final DeviceLimits SM75 = new DeviceLimits(40, 48 * 1024, 64 * 1024);
    private static final DeviceLimits SM86 = new DeviceLimits(82, 48 * 1024, 99 * 1024);
    private static final DeviceLimits SM90 = new DeviceLimits(132, 48 * 1024, 227 * 1024);
    private static final List<DeviceLimits> DEVICES = List.of(SM75, SM86, SM90);
    private static final Op[] ROW_OPS = {Op.SOFTMAX, Op.LOG_SOFTMAX, Op.LOGSUMEXP, Op.HARDMAX, Op.ARGMAX};

    private static LaunchPlan plan(Op op, DType dtype, long outer, long n, long inner) {
        return LaunchPlan.of(op, dtype, outer, n, inner, SM90);
    }

    @Test
    void strategyFollowsTheShape() {
        assertEquals(Strategy.ELEMENTWISE, plan(Op.SIGMOID, DType.FLOAT32, 1, 10, 1).strategy());
        assertEquals(Strategy.ELEMENTWISE, plan(Op.LOG_SIGMOID, DType.FLOAT64, 1, 1 << 20, 1).strategy());
        for (Op op : ROW_OPS) {
            assertEquals(Strategy.STRIDED, plan(op, DType.FLOAT32, 4, 100, 3).strategy(), op.cliName());
            assertEquals(Strategy.WARP_PER_ROW, plan(op, DType.FLOAT32, 1000, 1, 1).strategy(), op.cliName());
            assertEquals(Strategy.WARP_PER_ROW, plan(op, DType.FLOAT64, 7, 1024, 1).strategy(), op.cliName());
        }
        assertEquals(Strategy.WARP_PER_ROW, plan(Op.LOGSUMEXP, DType.FLOAT32, 3, 0, 1).strategy(), "empty rows");
        assertEquals(Strategy.STRIDED, plan(Op.LOGSUMEXP, DType.FLOAT32, 2, 0, 3).strategy(), "empty strided axis");
        // Softmax rows past the warp bound stay in shared memory while they fit, opt-in included.
        assertEquals(Strategy.BLOCK_SMEM, plan(Op.SOFTMAX, DType.FLOAT32, 64, 1025, 1).strategy());
        assertEquals(Strategy.BLOCK_SMEM, plan(Op.LOG_SOFTMAX, DType.FLOAT64, 64, 20_000, 1).strategy());
        assertEquals(Strategy.ONLINE_BLOCK, LaunchPlan.of(Op.LOG_SOFTMAX, DType.FLOAT64, 64, 20_000, 1, SM75).strategy(),
                "160 KB rows do not fit sm_75's 64 KB");
        // The single-read ops never cache the row.
        for (Op op : new Op[] {Op.LOGSUMEXP, Op.HARDMAX, Op.ARGMAX}) {
            assertEquals(Strategy.ONLINE_BLOCK, plan(op, DType.FLOAT32, 1000, 1025, 1).strategy(), op.cliName());
        }
        // Long rows: one block each when they fill the GPU, split over blocks when they do not.
        assertEquals(Strategy.ONLINE_BLOCK, plan(Op.SOFTMAX, DType.FLOAT32, 512, 1 << 20, 1).strategy());
        assertEquals(Strategy.ONLINE_SPLIT, plan(Op.SOFTMAX, DType.FLOAT32, 2, 1 << 20, 1).strategy());
        assertEquals(Strategy.ONLINE_SPLIT, plan(Op.ARGMAX, DType.FLOAT64, 1, 1 << 24, 1).strategy());
        // Too little work per block to split.
        assertEquals(Strategy.ONLINE_BLOCK, plan(Op.LOGSUMEXP, DType.FLOAT32, 1, 20_000, 1).strategy());
    }

    @Test
    void warpRowsTakeTheNarrowestGroupThatHoldsThem() {
        LaunchPlan one = plan(Op.SOFTMAX, DType.FLOAT32, 100, 1, 1);
        assertEquals("softmax_warp_f32_v1_p1_w1", one.launches().getFirst().function());
        LaunchPlan five = plan(Op.SOFTMAX, DType.FLOAT32, 100, 5, 1);
        assertEquals("softmax_warp_f32_v1_p1_w8", five.launches().getFirst().function(), "4 rows per warp");
        LaunchPlan aligned = plan(Op.SOFTMAX, DType.FLOAT32, 100, 64, 1);
        assertEquals("softmax_warp_f32_v4_p1_w16", aligned.launches().getFirst().function(), "16 lanes x float4");
        LaunchPlan full = plan(Op.SOFTMAX, DType.FLOAT32, 100, 1024, 1);
        assertEquals("softmax_warp_f32_v4_p8_w32", full.launches().getFirst().function());
        LaunchPlan ragged = plan(Op.SOFTMAX, DType.FLOAT32, 100, 1023, 1);
        assertEquals("softmax_warp_f32_v1_p32_w32", ragged.launches().getFirst().function());
        LaunchPlan doubles = plan(Op.ARGMAX, DType.FLOAT64, 100, 130, 1);
        assertEquals("softmax_warp_f64_v2_p4_w32", doubles.launches().getFirst().function(), "65 double2 packs");
    }

    @Test
    void splitsCoverTheRowInAlignedChunks() {
        LaunchPlan p = plan(Op.SOFTMAX, DType.FLOAT32, 2, 1 << 20, 1);
        assertEquals(4, p.vec());
        assertEquals(32, p.splits(), "2^18 float4 packs give 32 splits of 8192 packs");
        assertEquals(2, p.launches().size());
        assertEquals("softmax_split_partial_f32_v4", p.launches().get(0).function());
        assertEquals("softmax_split_finish_f32_v4", p.launches().get(1).function());
        assertEquals(32, p.launches().get(1).gridX(), "softmax writes every chunk");
        assertEquals(2L * Double.BYTES * 32 * 2, p.workspaceBytes());
        LaunchPlan lse = plan(Op.LOGSUMEXP, DType.FLOAT32, 2, 1 << 20, 1);
        assertEquals(1, lse.launches().get(1).gridX(), "logsumexp writes one value per row");
    }

    @Test
    void sharedMemoryOptInOnlyWherePermitted() {
        LaunchPlan small = plan(Op.SOFTMAX, DType.FLOAT32, 8, 4096, 1);
        assertEquals(4096 * 4, small.launches().getFirst().sharedBytes());
        LaunchPlan big = plan(Op.SOFTMAX, DType.FLOAT32, 8, 40_000, 1);
        assertEquals(Strategy.BLOCK_SMEM, big.strategy());
        assertTrue(big.launches().getFirst().sharedBytes() > SM90.sharedPerBlock(), "needs the opt-in");
        assertEquals(Strategy.ONLINE_BLOCK, LaunchPlan.of(Op.SOFTMAX, DType.FLOAT32, 8, 40_000, 1, SM75).strategy());
    }

    @Test
    void rejectsEmptyOutputsAndNegativeExtents() {
        assertThrows(IllegalArgumentException.class, () -> plan(Op.SOFTMAX, DType.FLOAT32, 0, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> plan(Op.SOFTMAX, DType.FLOAT32, 3, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> plan(Op.ARGMAX, DType.FLOAT32, 3, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> plan(Op.SIGMOID, DType.FLOAT32, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> plan(Op.SOFTMAX, DType.FLOAT32, 3, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> plan(Op.SOFTMAX, DType.FLOAT32, 3, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> new DeviceLimits(0, 48 * 1024, 48 * 1024));
        assertThrows(IllegalArgumentException.class, () -> new DeviceLimits(10, 48 * 1024, 1024));
    }

    /** 16-bit top-k and sample run selection.cu's own bf16 / f16 entry points, a thread per slice as float32's. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BFLOAT16", "FLOAT16"})
    void sixteenBitSelectionsHaveTheirOwnEntryPoints(DType half) {
        for (Op op : new Op[] {Op.TOP_K, Op.SAMPLE}) {
            for (long[] shape : new long[][] {{3, 4, 1}, {1, 200_000, 1}, {5_000, 7, 3}}) {
                long inner = op == Op.SAMPLE ? 1 : shape[2];
                LaunchPlan p = LaunchPlan.of(op, half, shape[0], shape[1], inner, SM75);
                LaunchPlan f32 = LaunchPlan.of(op, DType.FLOAT32, shape[0], shape[1], inner, SM75);
                assertEquals(Strategy.SELECTION, p.strategy(), p.toString());
                String function = p.launches().getFirst().function();
                assertEquals((op == Op.TOP_K ? "top_k_" : "sample_") + LaunchPlan.dtypeName(half), function);
                assertTrue(LaunchPlan.entryPoints("selection").contains(function), function);
                assertEquals(f32.launches().getFirst().gridX(), p.launches().getFirst().gridX(), p.toString());
            }
        }
    }

    /** Every plan over random shapes on three GPUs obeys the launch limits and names a PTX entry point. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void randomShapesGiveValidLaunches(DType dtype) {
        SplittableRandom rnd = TestSeed.random("launch plans " + dtype);
        for (int i = 0; i < 20_000; i++) {
            DeviceLimits limits = DEVICES.get(rnd.nextInt(DEVICES.size()));
            Op op = Op.values()[rnd.nextInt(Op.values().length)];
            long n = logUniform(rnd, 1 << 26);
            // Empty outputs never reach the planner; an empty axis does, for logsumexp.
            long outer = op.isElementwise() ? 1 : Math.max(1, logUniform(rnd, Math.max(1, (1L << 28) / Math.max(1, n))));
            long inner = op.isElementwise() || rnd.nextBoolean() ? 1 : Math.max(1, logUniform(rnd, 4096));
            if (n == 0 && op != Op.LOGSUMEXP) {
                n = 1;
            }
            LaunchPlan p = LaunchPlan.of(op, dtype, outer, n, inner, limits);
            String where = p + " for " + op.cliName() + " " + dtype + " (" + outer + ", " + n + ", " + inner + ") on " + limits;
            checkPlan(p, dtype, n, inner, limits, where);
        }
    }

    private static void checkPlan(LaunchPlan p, DType dtype, long n, long inner, DeviceLimits limits, String where) {
        int wide = 16 / dtype.byteSize();
        assertTrue(p.vec() == 1 || p.vec() == wide, where);
        if (p.vec() > 1 && p.strategy() != Strategy.ELEMENTWISE) {
            // Every row of n elements starts 16-byte aligned.
            assertEquals(0, n * dtype.byteSize() % 16, where);
        }
        if (p.strategy() == Strategy.STRIDED) {
            assertTrue(inner > 1 && p.vec() == 1, where);
        }
        for (LaunchPlan.Launch l : p.launches()) {
            assertTrue(LaunchPlan.entryPoints(p.strategy().module()).contains(l.function()), where + ": " + l.function());
            assertTrue(l.gridX() <= LaunchPlan.BLOCKS_PER_SM * limits.multiprocessors(), where);
            assertTrue(l.threads() % 32 == 0 || p.strategy() == Strategy.STRIDED, where + ": whole warps for shuffles");
            assertTrue(l.sharedBytes() <= limits.sharedPerBlockOptIn() - LaunchPlan.STATIC_SHARED_RESERVE, where);
            switch (p.strategy()) {
                case WARP_PER_ROW -> {
                    assertEquals(LaunchPlan.WARP_BLOCK, l.threads(), where);
                    int[] config = warpConfig(l.function());
                    long capacity = (long) config[0] * config[1] * config[2];
                    assertTrue(capacity >= n, where + ": the lanes hold the row");
                    assertTrue(capacity / 2 < Math.max(n, 1), where + ": and no more than twice over");
                }
                case BLOCK_SMEM -> assertEquals(n * dtype.byteSize(), l.sharedBytes(), where);
                case STRIDED -> {
                    assertTrue(l.threads() <= LaunchPlan.STRIDED_BLOCK, where);
                    assertTrue(Long.bitCount(l.blockX()) == 1 && Long.bitCount(l.blockY()) == 1, where);
                }
                default -> assertEquals(0, l.sharedBytes(), where);
            }
        }
        if (p.strategy() == Strategy.ONLINE_SPLIT) {
            assertEquals(0, p.chunk() % p.vec(), where + ": chunks start aligned");
            assertTrue((long) p.splits() * p.chunk() >= n && (long) (p.splits() - 1) * p.chunk() < n, where + ": no empty chunk");
            assertEquals(p.splits(), p.launches().getFirst().gridX(), where);
        } else {
            assertEquals(1, p.splits(), where);
            assertEquals(0, p.workspaceBytes(), where);
        }
    }

    /** {vec, packs, width} of softmax_warp_<dt>_v<vec>_p<packs>_w<width>. */
    private static int[] warpConfig(String function) {
        String[] parts = function.split("_");
        return new int[] {
                Integer.parseInt(parts[3].substring(1)), Integer.parseInt(parts[4].substring(1)),
                Integer.parseInt(parts[5].substring(1))};
    }

    /** 0 sometimes, else spread evenly over the powers of two up to max. */
    private static long logUniform(SplittableRandom rnd, long max) {
        if (rnd.nextInt(50) == 0) {
            return 0;
        }
        double e = rnd.nextDouble() * Math.log(max);
        return Math.max(1, Math.min(max, (long) Math.exp(e) + rnd.nextInt(3)));
    }

    @Test
    void entryPointsMatchTheInstantiations() {
        // float32 21 + float64 20 + 19 for each 16-bit dtype (packs of 1 or 8 elements).
        assertEquals(79, LaunchPlan.entryPoints("softmax_warp_per_row").size());
        assertEquals(8, LaunchPlan.entryPoints("softmax_block_smem").size());
        assertEquals(24, LaunchPlan.entryPoints("softmax_online_two_pass").size());
        assertEquals(4, LaunchPlan.entryPoints("softmax_strided").size());
        assertEquals(8, LaunchPlan.entryPoints("sigmoid_elementwise").size());
        // Top-k and sample: one entry point each per dtype, the 16-bit ones included.
        assertEquals(Set.of("top_k_f32", "top_k_f64", "top_k_bf16", "top_k_f16", "sample_f32", "sample_f64", "sample_bf16",
                "sample_f16"), LaunchPlan.entryPoints("selection"));
        assertThrows(IllegalArgumentException.class, () -> LaunchPlan.entryPoints("nope"));
    }
}
