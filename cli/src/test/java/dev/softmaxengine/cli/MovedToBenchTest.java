package dev.softmaxengine.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scoring CLI has no benchmark code: bench and models bench-onnx say where they went. */
class MovedToBenchTest {
    @Test
    void benchPointsToItsOwnLauncher() {
        CliRun r = CliRun.of("bench", "--quick", "--out", "x");
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, r.exit());
        assertEquals("softmax-engine: bench moved to its own launcher: run bin/softmax-engine-bench --quick --out x",
                r.err().strip());

        r = CliRun.of("models", "bench-onnx", "--model", "m.onnx");
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, r.exit());
        assertTrue(r.err().contains("run bin/softmax-engine-bench bench-onnx --model m.onnx"), r.err());
    }

    @Test
    void noBenchClassIsOnTheClassPath() {
        for (String name : new String[] {"dev.softmaxengine.bench.suite.HardwareSuite", "ai.onnxruntime.OrtEnvironment",
            "org.openjdk.jmh.Main", "org.knowm.xchart.XYChart"}) {
            try {
                Class.forName(name);
                throw new AssertionError(name + " is on the CLI's class path");
            } catch (ClassNotFoundException expected) {
                // As it should be.
            }
        }
    }
}
