package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.SoftmaxEngineException;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.BackendAssumptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.jocl.CL;
import org.jocl.CLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Device faults, injected at the JOCL boundary ({@link Cl#fault}): a program that fails to build,
 * an allocation the device refuses, a device lost after the kernel was launched. Each is a
 * {@link SoftmaxEngineException} naming the CL call and error, leaves the caller's host output as
 * it was, and leaves the kernel usable: the next call gives the result a healthy kernel gives.
 */
class OpenClFaultTest {
    private static final int ROWS = 37;
    private static final int COLS = 301;
    private static final float UNTOUCHED = 42f;
    private static float[] x;
    private static float[] expected;

    @BeforeAll
    static void reference() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
        x = new float[ROWS * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 37 % 101) / 7f - 5;
        }
        expected = new float[x.length];
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel()) {
            k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(expected, ROWS, COLS));
        }
    }

    @AfterEach
    void noFault() {
        Cl.fault = null;
    }

    /** Fails the {@code nth} (from 0) CL call named {@code call} with {@code status}, once; counts the calls seen. */
    private static AtomicInteger failNth(String call, int nth, int status) {
        AtomicInteger seen = new AtomicInteger();
        Cl.fault = name -> {
            if (name.equals(call) && seen.getAndIncrement() == nth) {
                throw new CLException("injected " + CL.stringFor_errorCode(status), status);
            }
        };
        return seen;
    }

    private static float[] untouched() {
        float[] y = new float[x.length];
        Arrays.fill(y, UNTOUCHED);
        return y;
    }

    private static void assertUntouched(float[] y) {
        for (int i = 0; i < y.length; i++) {
            if (y[i] != UNTOUCHED) {
                throw new AssertionError("out[" + i + "] was written: " + y[i]);
            }
        }
    }

    private static void assertNames(SoftmaxEngineException e, String call, String error) {
        assertTrue(e.getMessage().contains(call) && e.getMessage().contains(error), e.getMessage());
    }

    /** A softmax into an array fails with a SoftmaxEngineException naming call and error, and leaves out as it was. */
    private static void assertFailsUntouched(OpenClSoftmaxKernel k, String call, String error) {
        float[] y = untouched();
        SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class,
                () -> k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(y, ROWS, COLS)));
        assertNames(e, call, error);
        assertUntouched(y);
    }

    /** The next call on the same kernel works and gives the healthy kernel's result. */
    private static void assertUsable(OpenClSoftmaxKernel k) {
        float[] y = untouched();
        k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(y, ROWS, COLS));
        assertArrayEquals(expected, y);
    }

    @Test
    void programBuildFailureIsNamedAndTheNextCallBuildsIt() {
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel()) {
            failNth("clBuildProgram", 0, CL.CL_BUILD_PROGRAM_FAILURE);
            assertFailsUntouched(k, "clBuildProgram", "CL_BUILD_PROGRAM_FAILURE");
            assertEquals(0, k.programCount(), "a failed build is not cached");
            assertUsable(k);
            assertEquals(1, k.programCount());
        }
    }

    @Test
    void refusedStagingAllocationIsNamedAndLeavesNothingBehind() {
        // The in staging buffer (call 0), then the out one (call 1): both refusals leave out as it was.
        for (int nth = 0; nth < 2; nth++) {
            try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel()) {
                failNth("clCreateBuffer", nth, CL.CL_MEM_OBJECT_ALLOCATION_FAILURE);
                assertFailsUntouched(k, "clCreateBuffer", "CL_MEM_OBJECT_ALLOCATION_FAILURE");
                assertEquals(nth, k.liveMemObjects(), "memory objects after refusal " + nth);
                assertUsable(k);
                assertEquals(2, k.liveMemObjects());
            }
        }
    }

    @Test
    void refusedBufferAllocationIsNamedAndTheKernelStaysUsable() {
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel()) {
            failNth("clCreateBuffer", 0, CL.CL_OUT_OF_RESOURCES);
            SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class, () -> k.allocate(DType.FLOAT32, 1000));
            assertNames(e, "clCreateBuffer", "CL_OUT_OF_RESOURCES");
            assertEquals(0, k.liveMemObjects());
            Cl.fault = null;
            try (DeviceBuffer b = k.allocate(DType.FLOAT32, x.length)) {
                b.write(Tensor.of(x, ROWS, COLS));
                k.softmax(Tensor.of(b, ROWS, COLS), Tensor.of(b, ROWS, COLS));
                float[] y = untouched();
                b.read(Tensor.of(y, ROWS, COLS));
                assertArrayEquals(expected, y);
            }
        }
    }

    @Test
    void deviceLostAtTheLaunchIsNamedAndOutIsUntouched() {
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel()) {
            Cl.fault = name -> {
                if (name.startsWith("clEnqueueNDRangeKernel")) {
                    throw new CLException("injected", CL.CL_OUT_OF_RESOURCES);
                }
            };
            assertFailsUntouched(k, "clEnqueueNDRangeKernel", "CL_OUT_OF_RESOURCES");
            Cl.fault = null;
            assertUsable(k);
        }
    }

    @Test
    void deviceLostAfterTheLaunchIsNamedAndOutIsUntouched() {
        try (OpenClSoftmaxKernel k = new OpenClSoftmaxKernel()) {
            // An array out: the blocking read that waits for the kernel fails.
            failNth("clEnqueueReadBuffer", 0, CL.CL_DEVICE_NOT_AVAILABLE);
            assertFailsUntouched(k, "clEnqueueReadBuffer", "CL_DEVICE_NOT_AVAILABLE");
            Cl.fault = null;
            assertUsable(k);

            // A native segment out: the mapping of the result fails (the array in is written, not mapped).
            try (Arena arena = Arena.ofShared()) {
                MemorySegment out = arena.allocate((long) x.length * Float.BYTES);
                out.copyFrom(MemorySegment.ofArray(untouched()));
                failNth("clEnqueueMapBuffer", 0, CL.CL_DEVICE_NOT_AVAILABLE);
                SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class,
                        () -> k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(out, DType.FLOAT32, ROWS, COLS)));
                assertNames(e, "clEnqueueMapBuffer", "CL_DEVICE_NOT_AVAILABLE");
                assertUntouched(out.toArray(ValueLayout.JAVA_FLOAT));
                Cl.fault = null;
                k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(out, DType.FLOAT32, ROWS, COLS));
                assertArrayEquals(expected, out.toArray(ValueLayout.JAVA_FLOAT));
            }

            // A native segment out copied back in several mappings (64 MiB each; 4 KiB here), the
            // device lost at the second: the result goes through host memory of the kernel's own
            // first, so the caller's segment is still untouched, not half written.
            try (Arena arena = Arena.ofShared()) {
                MemorySegment out = arena.allocate((long) x.length * Float.BYTES);
                out.copyFrom(MemorySegment.ofArray(untouched()));
                k.mapChunkBytes = 4096;
                failNth("clEnqueueMapBuffer", 1, CL.CL_DEVICE_NOT_AVAILABLE);
                SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class,
                        () -> k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(out, DType.FLOAT32, ROWS, COLS)));
                assertNames(e, "clEnqueueMapBuffer", "CL_DEVICE_NOT_AVAILABLE");
                assertUntouched(out.toArray(ValueLayout.JAVA_FLOAT));
                Cl.fault = null;
                k.softmax(Tensor.of(x, ROWS, COLS), Tensor.of(out, DType.FLOAT32, ROWS, COLS));
                assertArrayEquals(expected, out.toArray(ValueLayout.JAVA_FLOAT));
            }

            // A device buffer out: clFinish after the launch fails. The buffer's contents are then
            // undefined (the kernel may have run); the error is named and the kernel stays usable.
            try (DeviceBuffer b = k.allocate(DType.FLOAT32, x.length)) {
                b.write(Tensor.of(x, ROWS, COLS));
                failNth("clFinish", 0, CL.CL_DEVICE_NOT_AVAILABLE);
                SoftmaxEngineException e = assertThrows(SoftmaxEngineException.class,
                        () -> k.softmax(Tensor.of(b, ROWS, COLS), Tensor.of(b, ROWS, COLS)));
                assertNames(e, "clFinish", "CL_DEVICE_NOT_AVAILABLE");
                Cl.fault = null;
                b.write(Tensor.of(x, ROWS, COLS));
                k.softmax(Tensor.of(b, ROWS, COLS), Tensor.of(b, ROWS, COLS));
                float[] y2 = untouched();
                b.read(Tensor.of(y2, ROWS, COLS));
                assertArrayEquals(expected, y2);
            }
            assertUsable(k);
        }
    }
}
