package dev.softmaxengine.api;

import dev.softmaxengine.api.spi.HostBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.Tensor.Overlap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void arrayLengthMustEqualTheShapeSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertEquals("data has 5 elements, shape [2, 3] needs 6", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[7], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[1], 2, -1));
    }

    @Test
    void nullDataAndShapeAreRejectedNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of((float[]) null, 2));
        assertTrue(e.getMessage().contains("data"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of((double[]) null, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.vector((float[]) null));
        assertThrows(IllegalArgumentException.class, () -> Tensor.vector((double[]) null));
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[1], (long[]) null));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of((MemorySegment) null, DType.FLOAT32, 1));
        assertTrue(e.getMessage().contains("segment"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(MemorySegment.ofArray(new float[1]), null, 1));
        assertTrue(e.getMessage().contains("dtype"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of((DeviceBuffer) null, 1));
        assertTrue(e.getMessage().contains("buffer"), e.getMessage());
    }

    @Test
    void arraysGiveTheirDtypeAndStorage() {
        ArrayTensor f = Tensor.vector(new float[3]);
        assertEquals(DType.FLOAT32, f.dtype());
        assertEquals(Shape.of(3), f.shape());
        ArrayTensor d = Tensor.of(new double[6], 2, 3);
        assertEquals(DType.FLOAT64, d.dtype());
        assertTrue(d.isHost());
        ArrayTensor i = Tensor.of(new int[6], 3, 2);
        assertEquals(DType.INT32, i.dtype());
        assertEquals(6 * Integer.BYTES, i.asHostSegment().byteSize());
        assertThrows(IllegalStateException.class, d::floats);
        assertThrows(IllegalStateException.class, f::doubles);
        assertThrows(IllegalStateException.class, f::ints);
        assertEquals(3 * Float.BYTES, f.asHostSegment().byteSize());
    }

    @Test
    void segmentMayBeLongerNeverShorter() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(10 * Float.BYTES);
            SegmentTensor t = Tensor.of(seg, DType.FLOAT32, 2, 3);
            assertEquals(6 * Float.BYTES, t.segment().byteSize());
            assertTrue(t.buffer().isEmpty());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(seg, DType.FLOAT64, 2, 3));
            assertEquals("segment has 40 bytes, shape [2, 3] of FLOAT64 needs 48", e.getMessage());
            // The byte count of a valid shape can still overflow.
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(seg, DType.FLOAT64, Long.MAX_VALUE / 4));
        }
    }

    @Test
    void getAndSetRoundToTheDtype() {
        Tensor f = Tensor.vector(new float[2]);
        f.set(1, 0.1);
        assertEquals((float) 0.1, f.get(1));
        Tensor d = Tensor.vector(new double[2]);
        d.set(1, 0.1);
        assertEquals(0.1, d.get(1));
        try (Arena arena = Arena.ofConfined()) {
            Tensor fs = Tensor.of(arena.allocate(8), DType.FLOAT32, 2);
            fs.set(0, 0.1);
            assertEquals((float) 0.1, fs.get(0));
            Tensor ds = Tensor.of(arena.allocate(16), DType.FLOAT64, 2);
            ds.set(1, 0.1);
            assertEquals(0.1, ds.get(1));
            Tensor is = Tensor.of(arena.allocate(8), DType.INT32, 2);
            is.set(1, 7);
            assertEquals(7, is.get(1));
        }
    }

    @Test
    void reshapeKeepsTheMemory() {
        float[] data = {1, 2, 3, 4, 5, 6};
        ArrayTensor t = Tensor.of(data, 2, 3).reshape(3, 2);
        assertEquals(Shape.of(3, 2), t.shape());
        assertSame(data, t.floats());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertTrue(e.getMessage().contains("cannot reshape [3, 2]"), e.getMessage());
    }

    @Test
    void hostBufferViewsAreSegmentsThatRememberTheirBuffer() {
        try (HostBuffer b = new HostBuffer("scalar", DType.FLOAT64, 10)) {
            SegmentTensor t = (SegmentTensor) Tensor.of(b, 2, 4);
            assertSame(b, t.buffer().orElseThrow());
            assertEquals(8 * Double.BYTES, t.segment().byteSize());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(b, 11));
            assertEquals("buffer has 10 elements, shape [11] needs 11", e.getMessage());
        }
    }

    @Test
    void deviceViewsAreNotHostMemory() {
        RemoteBuffer b = new RemoteBuffer(DType.FLOAT32, 6);
        DeviceTensor t = (DeviceTensor) Tensor.of(b, 2, 3);
        assertSame(b, t.buffer());
        assertEquals(DType.FLOAT32, t.dtype());
        assertTrue(!t.isHost());
        assertThrows(IllegalArgumentException.class, () -> t.get(0));
        assertThrows(IllegalArgumentException.class, () -> t.set(0, 1));
        assertThrows(IllegalArgumentException.class, t::asHostSegment);
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(b, 7));
    }

    @Test
    void overlapOfArrays() {
        float[] a = new float[6];
        assertEquals(Overlap.SAME, Tensor.overlap(Tensor.of(a, 6), Tensor.of(a, 2, 3)));
        assertEquals(Overlap.DISJOINT, Tensor.overlap(Tensor.of(a, 6), Tensor.of(new float[6], 6)));
        double[] d = new double[6];
        assertEquals(Overlap.SAME, Tensor.overlap(Tensor.vector(d), Tensor.vector(d)));
    }

    @Test
    void overlapOfSegments() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(8 * Float.BYTES);
            Tensor first4 = Tensor.of(seg, DType.FLOAT32, 4);
            assertEquals(Overlap.SAME, Tensor.overlap(first4, Tensor.of(seg.asSlice(0, 16), DType.FLOAT32, 2, 2)));
            assertEquals(Overlap.PARTIAL, Tensor.overlap(first4, Tensor.of(seg.asSlice(8), DType.FLOAT32, 4)));
            assertEquals(Overlap.PARTIAL, Tensor.overlap(first4, Tensor.of(seg, DType.FLOAT32, 3)));
            assertEquals(Overlap.DISJOINT, Tensor.overlap(first4, Tensor.of(seg.asSlice(16), DType.FLOAT32, 4)));
            assertEquals(Overlap.DISJOINT, Tensor.overlap(first4, Tensor.of(arena.allocate(16), DType.FLOAT32, 4)));
        }
        Tensor heapA = Tensor.of(MemorySegment.ofArray(new float[4]), DType.FLOAT32, 4);
        Tensor heapB = Tensor.of(MemorySegment.ofArray(new float[4]), DType.FLOAT32, 4);
        assertEquals(Overlap.DISJOINT, Tensor.overlap(heapA, heapB));
    }

    @Test
    void anArrayAndAHeapSegmentOverItOverlap() {
        float[] a = new float[6];
        MemorySegment seg = MemorySegment.ofArray(a);
        assertEquals(Overlap.SAME, Tensor.overlap(Tensor.of(a, 6), Tensor.of(seg, DType.FLOAT32, 6)));
        assertEquals(Overlap.SAME, Tensor.overlap(Tensor.of(seg, DType.FLOAT32, 2, 3), Tensor.of(a, 6)));
        assertEquals(Overlap.PARTIAL, Tensor.overlap(Tensor.of(a, 6), Tensor.of(seg.asSlice(4), DType.FLOAT32, 5)));
        assertEquals(Overlap.DISJOINT, Tensor.overlap(Tensor.of(a, 6), Tensor.of(MemorySegment.ofArray(new float[6]), DType.FLOAT32, 6)));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(Overlap.DISJOINT, Tensor.overlap(Tensor.of(a, 6), Tensor.of(arena.allocate(24), DType.FLOAT32, 6)));
        }
    }

    @Test
    void overlapOfDeviceViews() {
        RemoteBuffer b = new RemoteBuffer(DType.FLOAT64, 8);
        assertEquals(Overlap.SAME, Tensor.overlap(Tensor.of(b, 2, 4), Tensor.of(b, 8)));
        assertEquals(Overlap.PARTIAL, Tensor.overlap(Tensor.of(b, 8), Tensor.of(b, 2)));
        assertEquals(Overlap.DISJOINT, Tensor.overlap(Tensor.of(b, 8), Tensor.of(new RemoteBuffer(DType.FLOAT64, 8), 8)));
        assertEquals(Overlap.DISJOINT, Tensor.overlap(Tensor.of(b, 8), Tensor.of(new double[8], 8)));
    }
}
