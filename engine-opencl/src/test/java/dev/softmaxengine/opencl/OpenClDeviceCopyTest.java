package dev.softmaxengine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.testkit.BackendAssumptions;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The device-to-device copy the bench rates device results against: it copies, is timed, and checks its buffers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClDeviceCopyTest {
    private OpenClSoftmaxKernel kernel;

    @BeforeAll
    void open() {
        BackendAssumptions.requireUsable(OpenClSoftmaxKernel.NAME, true);
        kernel = new OpenClSoftmaxKernel();
    }

    @AfterAll
    void close() {
        if (kernel != null) {
            kernel.close();
        }
    }

    @Test
    void copiesTheSourceIntoTheStartOfTheDestinationAndTimesIt() {
        float[] values = {1.5f, -2f, Float.NaN, Float.NEGATIVE_INFINITY, 1e30f, 0f, -0f};
        try (DeviceBuffer src = kernel.allocate(DType.FLOAT32, values.length);
             DeviceBuffer dst = kernel.allocate(DType.FLOAT32, values.length + 2)) {
            src.write(Tensor.of(values, values.length));
            dst.write(Tensor.of(new float[values.length + 2], values.length + 2));
            double ms = kernel.copyTimed(src, dst);
            assertTrue(ms >= 0 && Double.isFinite(ms), "device time " + ms);
            float[] back = new float[values.length + 2];
            dst.read(Tensor.of(back, back.length));
            float[] expected = new float[values.length + 2];
            System.arraycopy(values, 0, expected, 0, values.length);
            assertArrayEquals(expected, back, "bit for bit, the tail untouched");
        }
    }

    @Test
    void rejectsBuffersItCannotCopy() {
        try (DeviceBuffer a = kernel.allocate(DType.FLOAT32, 8);
             DeviceBuffer small = kernel.allocate(DType.FLOAT32, 4);
             DeviceBuffer wide = kernel.allocate(DType.FLOAT64, 8);
             OpenClSoftmaxKernel other = new OpenClSoftmaxKernel();
             DeviceBuffer foreign = other.allocate(DType.FLOAT32, 8)) {
            assertEquals("dst holds 4 elements, src has 8",
                    assertThrows(IllegalArgumentException.class, () -> kernel.copyTimed(a, small)).getMessage());
            assertEquals("dst holds FLOAT64, src holds FLOAT32",
                    assertThrows(IllegalArgumentException.class, () -> kernel.copyTimed(a, wide)).getMessage());
            assertEquals("dst must be another buffer than src",
                    assertThrows(IllegalArgumentException.class, () -> kernel.copyTimed(a, a)).getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> kernel.copyTimed(a, foreign)).getMessage()
                    .startsWith("dst is device memory of another opencl kernel"));
            small.close();
            assertEquals("src is a closed buffer",
                    assertThrows(IllegalArgumentException.class, () -> kernel.copyTimed(small, a)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> kernel.copyTimed(null, a));
        }
    }
}
