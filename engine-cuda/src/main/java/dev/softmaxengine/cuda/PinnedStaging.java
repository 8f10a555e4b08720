package dev.softmaxengine.cuda;

import java.lang.foreign.MemorySegment;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Page-locked host memory through which host arrays and segments travel to and from the device:
 * DMA needs pinned memory to run asynchronously at full speed, and the Java heap cannot be pinned.
 * Grows to the largest transfer seen, up to {@link #MAX_BYTES}; longer transfers go in chunks.
 * Used under the owning kernel's lock, with its context current.
 */
final class PinnedStaging implements AutoCloseable {
    /** Large enough to reach full PCIe / NVLink bandwidth, small enough to pin without pressure. */
    static final long MAX_BYTES = 64L << 20;

    private final CUstream stream;
    private Pointer host;
    private MemorySegment segment;
    /** An upload may still be reading the pinned memory; the CPU must not overwrite it yet. */
    private boolean inFlight;

    PinnedStaging(CUstream stream) {
        this.stream = stream;
    }

    /** Queues a copy of {@code src} to {@code dst}; {@code src} may change as soon as this returns. */
    void upload(MemorySegment src, CUdeviceptr dst) {
        long total = src.byteSize();
        for (long off = 0; off < total; off += MAX_BYTES) {
            long len = Math.min(MAX_BYTES, total - off);
            MemorySegment pinned = acquire(len);
            MemorySegment.copy(src, off, pinned, 0, len);
            CUdeviceptr to = dst.withByteOffset(off);
            CudaDriver.check("cuMemcpyHtoDAsync(" + len + " bytes)", () -> JCudaDriver.cuMemcpyHtoDAsync(to, host, len, stream));
            inFlight = true;
        }
    }

    /** Copies {@code src} into {@code dst} once the work queued before it has finished. */
    void download(CUdeviceptr src, MemorySegment dst) {
        long total = dst.byteSize();
        for (long off = 0; off < total; off += MAX_BYTES) {
            long len = Math.min(MAX_BYTES, total - off);
            MemorySegment pinned = acquire(len);
            CUdeviceptr from = src.withByteOffset(off);
            CudaDriver.check("cuMemcpyDtoHAsync(" + len + " bytes)", () -> JCudaDriver.cuMemcpyDtoHAsync(host, from, len, stream));
            CudaDriver.check("cuStreamSynchronize", () -> JCudaDriver.cuStreamSynchronize(stream));
            MemorySegment.copy(pinned, 0, dst, off, len);
        }
    }

    /** The pinned memory, at least {@code bytes} long, once no copy is reading it. */
    private MemorySegment acquire(long bytes) {
        if (inFlight) {
            CudaDriver.check("cuStreamSynchronize", () -> JCudaDriver.cuStreamSynchronize(stream));
            inFlight = false;
        }
        if (segment == null || segment.byteSize() < bytes) {
            // Doubling keeps a run of growing transfers to a few (slow) pinned allocations.
            long size = Math.min(MAX_BYTES, Math.max(bytes, Math.max(2 * capacity(), 1L << 16)));
            close();
            Pointer p = new Pointer();
            CudaDriver.check("cuMemAllocHost(" + size + " bytes)", () -> JCudaDriver.cuMemAllocHost(p, size));
            host = p;
            segment = MemorySegment.ofBuffer(p.getByteBuffer(0, size));
        }
        return segment;
    }

    long capacity() {
        return segment == null ? 0 : segment.byteSize();
    }

    @Override
    public void close() {
        if (host != null) {
            if (inFlight) {
                CudaDriver.check("cuStreamSynchronize", () -> JCudaDriver.cuStreamSynchronize(stream));
                inFlight = false;
            }
            Pointer p = host;
            host = null;
            segment = null;
            CudaDriver.check("cuMemFreeHost", () -> JCudaDriver.cuMemFreeHost(p));
        }
    }
}
