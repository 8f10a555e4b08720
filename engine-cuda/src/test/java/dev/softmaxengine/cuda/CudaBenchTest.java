package dev.softmaxengine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.SoftmaxEngineException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The parts of the benchmark that need no GPU: byte counts, the torch comparison, and a clean failure. */
class CudaBenchTest {

    @Test
    void countsTheBytesEachCallMustMove() {
        assertEquals(2.0 * 4096 * 1024 * 4, CudaBench.bytes(new CudaBench.Case(Op.SOFTMAX, DType.FLOAT32, 4096, 1024, -1)));
        assertEquals((4096.0 * 1024 + 4096) * 8, CudaBench.bytes(new CudaBench.Case(Op.LOGSUMEXP, DType.FLOAT64, 4096, 1024, -1)));
        assertEquals((4096.0 * 1024 + 1024) * 4, CudaBench.bytes(new CudaBench.Case(Op.LOGSUMEXP, DType.FLOAT32, 4096, 1024, 0)));
    }

    @Test
    void comparesWithTorchByCase() {
        List<String> ours = List.of(CudaBench.HEADER, "softmax-engine-cuda,softmax,f32,4096x1024,-1,10.000,3355.4",
                "softmax-engine-cuda,logsumexp,f64,2x1048576,-1,40.000,838.9");
        List<String> torch = List.of(CudaBench.HEADER, "torch,softmax,f32,4096x1024,-1,12.500,2684.4");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CudaBench.compare(ours, torch, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size());
        assertEquals(List.of("softmax", "f32", "4096x1024", "-1", "10.000", "12.500", "1.25"),
                List.of(lines.get(1).trim().split("\\s+")));
        assertEquals(List.of("logsumexp", "f64", "2x1048576", "-1", "40.000", "-", "-"),
                List.of(lines.get(2).trim().split("\\s+")));
    }

    @Test
    void parsesDtypes() {
        assertEquals(DType.FLOAT32, CudaBench.dtype("f32"));
        assertEquals(DType.FLOAT64, CudaBench.dtype("float64"));
        assertThrows(IllegalArgumentException.class, () -> CudaBench.dtype("f16"));
    }

    @Test
    void kernelWithoutADriverFailsWithTheReason() {
        assumeFalse(new CudaKernelProvider().probe().usable(), "this host has a usable GPU");
        SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class, CudaSoftmaxKernel::new);
        assertTrue(e.getMessage().startsWith(CudaDriver.PREFIX + "cannot load JCuda"), e.getMessage());
    }
}
