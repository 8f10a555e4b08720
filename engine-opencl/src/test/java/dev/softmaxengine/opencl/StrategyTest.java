package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.Op;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The dispatcher's choices and the agreement of its constants with the .cl sources; needs no device. */
class StrategyTest {
    private static final long LOCAL = 8192;

    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"SOFTMAX", "LOG_SOFTMAX"})
    void softmaxTakesLanesThenLocalMemoryThenTwoPasses(Op op) {
        assertEquals(Strategy.LANES_PER_ROW, Strategy.choose(op, 0, 1, LOCAL));
        assertEquals(Strategy.LANES_PER_ROW, Strategy.choose(op, 1, 1, LOCAL));
        assertEquals(Strategy.LANES_PER_ROW, Strategy.choose(op, Strategy.LANES_MAX_COLS, 1, LOCAL));
        assertEquals(Strategy.GROUP_LOCAL, Strategy.choose(op, Strategy.LANES_MAX_COLS + 1, 1, LOCAL));
        assertEquals(Strategy.GROUP_LOCAL, Strategy.choose(op, LOCAL, 1, LOCAL));
        assertEquals(Strategy.ONLINE_TWO_PASS, Strategy.choose(op, LOCAL + 1, 1, LOCAL));
        assertEquals(Strategy.ONLINE_TWO_PASS, Strategy.choose(op, 1L << 30, 1, LOCAL));
        // A device with too little local memory for any row past the lanes goes straight to two passes.
        assertEquals(Strategy.ONLINE_TWO_PASS, Strategy.choose(op, Strategy.LANES_MAX_COLS + 1, 1, 0));
    }

    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"LOGSUMEXP", "ARGMAX", "HARDMAX"})
    void singleReadOpsNeverStageTheRow(Op op) {
        assertEquals(Strategy.LANES_PER_ROW, Strategy.choose(op, Strategy.LANES_MAX_COLS, 1, LOCAL));
        assertEquals(Strategy.ONLINE_TWO_PASS, Strategy.choose(op, Strategy.LANES_MAX_COLS + 1, 1, LOCAL));
        assertEquals(Strategy.ONLINE_TWO_PASS, Strategy.choose(op, LOCAL * 4, 1, LOCAL));
    }

    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"SOFTMAX", "LOG_SOFTMAX", "LOGSUMEXP", "ARGMAX", "HARDMAX"})
    void aNonLastAxisIsStridedWhateverItsLength(Op op) {
        for (long n : new long[] {1, 7, 1024, 100_000}) {
            assertEquals(Strategy.STRIDED, Strategy.choose(op, n, 2, LOCAL), "n " + n);
            assertEquals(Strategy.STRIDED, Strategy.choose(op, n, 4096, LOCAL), "n " + n);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Op.class, names = {"SIGMOID", "LOG_SIGMOID"})
    void elementwiseOpsIgnoreTheShape(Op op) {
        assertEquals(Strategy.ELEMENTWISE, Strategy.choose(op, 5, 1, LOCAL));
        assertEquals(Strategy.ELEMENTWISE, Strategy.choose(op, 1L << 30, 1, LOCAL));
    }

    @Test
    void lanesAreTheSmallestPowerOfTwoCoveringTheRowUpToThirtyTwo() {
        long[][] expected = {{0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {16, 16}, {17, 32}, {32, 32},
                {33, 32}, {1024, 32}};
        for (long[] e : expected) {
            assertEquals(e[1], Strategy.lanesFor(e[0]), "lanes for n = " + e[0]);
        }
        // Every lanes row fits the private array: ceil(n / lanes) <= MAX_COLS_PER_LANE.
        for (long n = 1; n <= Strategy.LANES_MAX_COLS; n++) {
            int lanes = Strategy.lanesFor(n);
            assertTrue((n + lanes - 1) / lanes <= Strategy.MAX_COLS_PER_LANE, "n " + n + " over " + lanes + " lanes");
        }
    }

    @Test
    void javaConstantsMatchTheKernelSources() {
        String common = Strategy.resource("softmax_common.cl");
        assertEquals(Strategy.MODE_SOFTMAX, define(common, "MODE_SOFTMAX"));
        assertEquals(Strategy.MODE_LOG_SOFTMAX, define(common, "MODE_LOG_SOFTMAX"));
        assertEquals(Strategy.MODE_LOGSUMEXP, define(common, "MODE_LOGSUMEXP"));
        assertEquals(Strategy.MAX_COLS_PER_LANE,
                define(Strategy.resource(Strategy.LANES_PER_ROW.file()), "MAX_COLS_PER_LANE"));
    }

    @Test
    void everyKernelTheDispatcherCanPickIsDefinedInItsFile() {
        for (Op op : Op.values()) {
            for (long[] shape : new long[][] {{5, 1}, {2000, 1}, {50_000, 1}, {9, 3}}) {
                Strategy s = Strategy.choose(op, shape[0], shape[1], LOCAL);
                String name = s.kernelName(op);
                assertTrue(Pattern.compile("__kernel void " + name + "\\(").matcher(s.source()).find(),
                        op + " on " + s + ": no __kernel " + name + " in " + s.file());
            }
        }
    }

    private static int define(String source, String name) {
        Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(source);
        assertTrue(m.find(), "no #define " + name);
        return Integer.parseInt(m.group(1));
    }
}
