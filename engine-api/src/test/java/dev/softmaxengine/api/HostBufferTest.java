package dev.softmaxengine.api;

import dev.softmaxengine.api.spi.HostBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;

import org.junit.jupiter.api.Test;

class HostBufferTest {

    @Test
    void writeThenReadRoundTripsInBothDtypes() {
        try (HostBuffer b = new HostBuffer("simd", DType.FLOAT32, 8)) {
            b.write(Tensor.of(new float[] {1, 2.5f, -3, 4, 5, 6}, 2, 3));
            float[] back = new float[6];
            b.read(Tensor.of(back, 6));
            assertArrayEquals(new float[] {1, 2.5f, -3, 4, 5, 6}, back);
            // A read may take fewer elements than the buffer holds.
            float[] two = new float[2];
            b.read(Tensor.vector(two));
            assertArrayEquals(new float[] {1, 2.5f}, two);
        }
        try (HostBuffer b = new HostBuffer("simd", DType.FLOAT64, 3)) {
            b.write(Tensor.vector(new double[] {0.1, -1e300, Double.NaN}));
            double[] back = new double[3];
            b.read(Tensor.vector(back));
            assertArrayEquals(new double[] {0.1, -1e300, Double.NaN}, back);
        }
    }

    @Test
    void segmentsWorkAsSourceAndDestination() {
        try (HostBuffer b = new HostBuffer("scalar", DType.FLOAT64, 4); Arena arena = Arena.ofConfined()) {
            Tensor src = Tensor.of(arena.allocate(32), DType.FLOAT64, 4);
            for (int i = 0; i < 4; i++) {
                src.set(i, i * 1.5);
            }
            b.write(src);
            Tensor dst = Tensor.of(arena.allocate(32), DType.FLOAT64, 4);
            b.read(dst);
            for (int i = 0; i < 4; i++) {
                assertEquals(i * 1.5, dst.get(i));
            }
            assertEquals(3.0, Tensor.of(b, 4).get(2));
        }
    }

    @Test
    void memoryIsAlignedFor64ByteVectors() {
        try (HostBuffer b = new HostBuffer("simd", DType.FLOAT32, 17)) {
            assertEquals(0, b.segment().address() % 64);
            assertEquals(17 * Float.BYTES, b.segment().byteSize());
            assertEquals("simd", b.backend());
            assertEquals(DType.FLOAT32, b.dtype());
            assertEquals(17, b.elements());
        }
    }

    @Test
    void badCopiesAreRejectedNamingTheTensor() {
        try (HostBuffer b = new HostBuffer("scalar", DType.FLOAT32, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.write(Tensor.vector(new double[2])));
            assertEquals("src has dtype FLOAT64, buffer holds FLOAT32", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.read(Tensor.vector(new float[5])));
            assertEquals("dst has 5 elements, buffer holds 4", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.write(null));
            assertEquals("src must not be null", e.getMessage());
            Tensor device = Tensor.of(new RemoteBuffer(DType.FLOAT32, 4), 4);
            e = assertThrows(IllegalArgumentException.class, () -> b.read(device));
            assertTrue(e.getMessage().startsWith("dst must be host memory"), e.getMessage());
        }
    }

    @Test
    void aClosedBufferRefusesCopiesAndClosesOnce() {
        HostBuffer b = new HostBuffer("scalar", DType.FLOAT64, 4);
        b.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.write(Tensor.vector(new double[4])));
        assertEquals("buffer is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> b.read(Tensor.vector(new double[4])));
        assertThrows(IllegalStateException.class, () -> b.segment().get(Tensor.F64, 0));
        b.close();
    }

    @Test
    void sizesAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HostBuffer("scalar", DType.FLOAT32, -1));
        assertEquals("elements must be >= 0, was -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new HostBuffer("scalar", DType.FLOAT64, Long.MAX_VALUE / 4));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new HostBuffer("scalar", null, 1));
        assertEquals("dtype must not be null", e.getMessage());
        try (HostBuffer empty = new HostBuffer("scalar", DType.FLOAT32, 0)) {
            assertEquals(0, Tensor.of(empty, 0).size());
        }
    }

    @Test
    void theScalarKernelAllocatesHostBuffers() {
        try (DeviceBuffer b = new ScalarSoftmaxKernel().allocate(DType.FLOAT64, 5)) {
            assertTrue(b instanceof HostBuffer);
            assertEquals("scalar", b.backend());
            assertEquals(5, b.elements());
        }
    }
}
