package dev.softmaxengine.api.spi;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.DeviceTensor;
import dev.softmaxengine.api.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one host-side shape of a device backend (OpenCL, CUDA): validate, stage host operands in,
 * launch, stage the result out, and own every device buffer until close. Each backend supplies only
 * its device's allocate, copies, launch and release ({@code M} is its memory handle: a
 * {@code cl_mem}, a {@code CUdeviceptr}).
 *
 * <p>Calls from several threads serialize on {@link #lock}. Every check runs before the first copy,
 * so a rejected call leaves {@code out} untouched; host operands are staged through the backend's
 * scratch memory and the call returns when the result is back on the host, while a call whose
 * output is a buffer of this kernel returns once the device has finished it.
 *
 * @param <M> the device memory handle
 */
public abstract class StagedKernel<M> implements KernelBackend {
    /** Guards the device, its queue and scratch, and every buffer's handle. */
    protected final ReentrantLock lock = new ReentrantLock();
    private final Set<Memory<M>> buffers = new LinkedHashSet<>();
    private boolean closed;

    /** For subclasses. */
    protected StagedKernel() {
    }

    /**
     * Device memory of one {@link StagedKernel}: its tensors are {@link DeviceTensor}s only that
     * kernel computes on. Closed by its owner, or with the kernel.
     *
     * @param <M> the device memory handle
     */
    public static final class Memory<M> extends AbstractBuffer {
        private final StagedKernel<M> kernel;
        // Guarded by the kernel's lock; null once released.
        private M handle;

        Memory(StagedKernel<M> kernel, DType dtype, long elements, M handle) {
            super(kernel.backend(), dtype, elements);
            this.kernel = kernel;
            this.handle = handle;
        }

        /**
         * The device memory, for interop within the kernel's context.
         *
         * @return the handle
         * @throws IllegalStateException once the buffer is closed
         */
        public M handle() {
            kernel.lock.lock();
            try {
                if (handle == null) {
                    throw new IllegalStateException("buffer is closed");
                }
                return handle;
            } finally {
                kernel.lock.unlock();
            }
        }

        @Override
        protected boolean isOpen() {
            kernel.lock.lock();
            try {
                return handle != null;
            } finally {
                kernel.lock.unlock();
            }
        }

        @Override
        protected void copyFrom(Tensor src) {
            kernel.transfer(this, src, true);
        }

        @Override
        protected void copyInto(Tensor dst) {
            kernel.transfer(this, dst, false);
        }

        @Override
        public void close() {
            kernel.free(this);
        }
    }

    // ---- what a backend supplies ----------------------------------------------------------------

    /**
     * Rejects a dtype the device cannot compute or hold in memory; a no-op by default.
     *
     * @param name the argument, for the message
     * @param dtype the dtype asked for
     * @throws IllegalArgumentException naming {@code name}
     */
    protected void requireDtype(String name, DType dtype) {
    }

    /**
     * Rejects a host operand the device cannot stage (larger than its largest allocation); a no-op
     * by default. Called under the lock, before anything is copied.
     *
     * @param name the argument, for the message
     * @param t the host operand
     * @throws IllegalArgumentException naming {@code name}
     */
    protected void checkStageable(String name, Tensor t) {
    }

    /**
     * Rejects a buffer the device cannot allocate in one piece (larger than its largest allocation);
     * a no-op by default. Called by {@link #allocate} before the device is asked.
     *
     * @param dtype the element type
     * @param elements the element count, {@code >= 0}
     * @param bytes their bytes
     * @throws IllegalArgumentException naming {@code elements}
     */
    protected void checkAllocatable(DType dtype, long elements, long bytes) {
    }

    /**
     * Device memory of at least {@code bytes} bytes (never 0), under the lock.
     *
     * @param bytes the size, {@code >= 1}
     * @return the handle
     */
    protected abstract M allocateDevice(long bytes);

    /**
     * Releases memory from {@link #allocateDevice}, under the lock, after waiting for work that may
     * still use it.
     *
     * @param handle the memory
     */
    protected abstract void freeDevice(M handle);

    /**
     * Copies between a host tensor and the start of device memory, blocking, under the lock.
     *
     * @param handle the device memory
     * @param host the host tensor, checked: its dtype, at most the memory's size, accessible
     * @param toDevice true to copy host to device, false device to host
     */
    protected abstract void copy(M handle, Tensor host, boolean toDevice);

    /**
     * The backend's scratch memory for a staged operand, grown as needed and kept for later calls.
     *
     * @param input true for the input's scratch, false for the output's
     * @param bytes the size needed, {@code >= 1}
     * @return the handle
     */
    protected abstract M scratch(boolean input, long bytes);

    /**
     * The backend's scratch memory for a staged second output ({@link OpRequest#secondOut()}),
     * grown as needed and kept for later calls.
     *
     * @param bytes the size needed, {@code >= 1}
     * @return the handle
     */
    protected abstract M secondScratch(long bytes);

    /**
     * Launches the kernels of one request on device memory, under the lock.
     *
     * @param r the request, validated, with a non-empty output
     * @param in the input's memory
     * @param out the output's memory ({@code in} itself for an in-place call)
     * @param second the second output's memory (top-k's indices, sample's log-probabilities), null
     *     when the request has none
     * @param timed whether to return the device's time
     * @return the device milliseconds when {@code timed} and the device has a clock, else empty
     */
    protected abstract OptionalDouble launch(OpRequest r, M in, M out, M second, boolean timed);

    /**
     * Copies {@code bytes} from the start of {@code src} to the start of {@code dst} on the device,
     * under the lock, waits for it and returns its time from the device's own clock.
     *
     * @param src the memory read, distinct from {@code dst}
     * @param dst the memory written, at least {@code bytes} long
     * @param bytes the size, {@code >= 1}
     * @return the device milliseconds, {@code >= 0}
     */
    protected abstract double copyDevice(M src, M dst, long bytes);

    /** Waits until the device has finished every queued command, under the lock. */
    protected abstract void finish();

    /**
     * Releases everything but the buffers (scratch, programs, queue, context) once, under the lock;
     * adds each failure to {@code failures} and carries on.
     *
     * @param failures where to collect failures
     */
    protected abstract void releaseDevice(List<RuntimeException> failures);

    // ---- the staged call ------------------------------------------------------------------------

    @Override
    public final void execute(OpRequest r) {
        run(r, false);
    }

    /** The launch's time from the device's own clock (events), host staging not counted; 0 for an empty output. */
    @Override
    public final OptionalDouble executeTimed(OpRequest r) {
        return run(r, true);
    }

    private OptionalDouble run(OpRequest r, boolean timed) {
        if (r == null) {
            throw new IllegalArgumentException("request must not be null");
        }
        // Before the lock: a segment of a closed arena must never reach native copies.
        r.requireAccessible();
        requireDtype("in", r.dtype());
        lock.lock();
        try {
            requireOpen();
            Memory<M> inBuffer = own("in", r.in());
            Memory<M> outBuffer = own("out", r.out());
            Tensor secondOut = r.secondOut().orElse(null);
            Memory<M> secondBuffer = secondOut == null ? null : own("the second output", secondOut);
            if (inBuffer == null) {
                checkStageable("in", r.in());
            }
            if (outBuffer == null) {
                checkStageable("out", r.out());
            }
            if (secondOut != null && secondBuffer == null) {
                checkStageable("the second output", secondOut);
            }
            if (r.out().size() == 0) {
                return timed ? OptionalDouble.of(0) : OptionalDouble.empty();
            }
            M in;
            if (inBuffer != null) {
                in = inBuffer.handle;
            } else {
                // A logsumexp over an empty axis reads nothing, but its kernel still takes a buffer.
                in = scratch(true, Math.max(1, r.in().size() * r.dtype().byteSize()));
                if (r.in().size() > 0) {
                    copy(in, r.in(), true);
                }
            }
            M out = outBuffer != null ? outBuffer.handle
                    : r.inPlace() ? in
                    : scratch(false, r.out().size() * r.out().dtype().byteSize());
            M second = secondOut == null ? null : secondBuffer != null ? secondBuffer.handle
                    : secondScratch(secondOut.size() * secondOut.dtype().byteSize());
            OptionalDouble time = launch(r, in, out, second, timed);
            if (outBuffer == null) {
                copy(out, r.out(), false);
            }
            if (secondOut != null && secondBuffer == null) {
                copy(second, secondOut, false);
            }
            if (outBuffer != null && (secondOut == null || secondBuffer != null)) {
                finish();
            }
            return time;
        } finally {
            lock.unlock();
        }
    }

    /** The operand's buffer when it is device memory of this kernel, null for host memory. */
    private Memory<M> own(String name, Tensor t) {
        return t instanceof DeviceTensor d ? own(name, d.buffer()) : null;
    }

    /** {@code b} as memory of this kernel, open. */
    private Memory<M> own(String name, DeviceBuffer b) {
        if (!(b instanceof Memory<?> m) || m.kernel != this) {
            throw new IllegalArgumentException(name + " is device memory of " + (b instanceof Memory<?>
                    ? "another " + backend() + " kernel" : "backend " + b.backend())
                    + "; this " + backend() + " kernel computes on host memory and its own buffers");
        }
        @SuppressWarnings("unchecked")
        Memory<M> mine = (Memory<M>) m;
        if (mine.handle == null) {
            throw new IllegalArgumentException(name + " is a closed buffer");
        }
        return mine;
    }

    /**
     * Copies {@code src} into the start of {@code dst}, both buffers of this kernel, device to
     * device, and returns the device's time for it: the memory roof that a harness rates this
     * device's results against (a copy reads and writes each byte once, as the memory-bound ops do).
     *
     * @param src a buffer from {@link #allocate}, open
     * @param dst another buffer from {@link #allocate}, open, of {@code src}'s dtype and at least its size
     * @return the device milliseconds, {@code >= 0}; 0 for an empty {@code src}
     * @throws IllegalArgumentException when a buffer is null, closed, not this kernel's, the same
     *     buffer as the other, of another dtype or too small
     * @throws IllegalStateException when this kernel is closed
     * @throws dev.softmaxengine.api.SoftmaxEngineException when the device fails
     */
    public final double copyTimed(DeviceBuffer src, DeviceBuffer dst) {
        if (src == null || dst == null) {
            throw new IllegalArgumentException("src and dst must not be null");
        }
        if (src == dst) {
            throw new IllegalArgumentException("dst must be another buffer than src");
        }
        if (src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("dst holds " + dst.dtype() + ", src holds " + src.dtype());
        }
        if (dst.elements() < src.elements()) {
            throw new IllegalArgumentException("dst holds " + dst.elements() + " elements, src has " + src.elements());
        }
        lock.lock();
        try {
            requireOpen();
            M from = own("src", src).handle;
            M to = own("dst", dst).handle;
            long bytes = src.elements() * src.dtype().byteSize();
            return bytes == 0 ? 0 : copyDevice(from, to, bytes);
        } finally {
            lock.unlock();
        }
    }

    // ---- buffers --------------------------------------------------------------------------------

    @Override
    public final DeviceBuffer allocate(DType dtype, long elements) {
        long bytes = AbstractBuffer.byteSize(dtype, elements);
        requireDtype("dtype", dtype);
        checkAllocatable(dtype, elements, bytes);
        lock.lock();
        try {
            requireOpen();
            // Devices have no empty buffers; an empty one still takes one element.
            Memory<M> b = new Memory<>(this, dtype, elements, allocateDevice(Math.max(bytes, dtype.byteSize())));
            buffers.add(b);
            return b;
        } finally {
            lock.unlock();
        }
    }

    private void transfer(Memory<M> b, Tensor host, boolean toDevice) {
        lock.lock();
        try {
            requireOpen();
            if (b.handle == null) {
                throw new IllegalStateException("buffer is closed");
            }
            if (host.size() > 0) {
                copy(b.handle, host, toDevice);
            }
        } finally {
            lock.unlock();
        }
    }

    private void free(Memory<M> b) {
        lock.lock();
        try {
            if (closed || b.handle == null) {
                return;
            }
            M h = b.handle;
            b.handle = null;
            buffers.remove(b);
            freeDevice(h);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether {@link #close()} has run.
     *
     * @return true once closed
     */
    protected final boolean isClosed() {
        return closed;
    }

    /**
     * Throws once the kernel is closed.
     *
     * @throws IllegalStateException naming the backend
     */
    protected final void requireOpen() {
        if (closed) {
            throw new IllegalStateException(backend() + " kernel is closed");
        }
    }

    /**
     * The number of buffers from {@link #allocate} still open, for leak tests.
     *
     * @return the count
     */
    protected final int openBuffers() {
        lock.lock();
        try {
            return buffers.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases every buffer, then the backend's device resources; idempotent. Tries every step and
     * rethrows the first failure with the others suppressed.
     */
    @Override
    public final void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            List<RuntimeException> failures = new ArrayList<>();
            try {
                finish();
            } catch (RuntimeException e) {
                failures.add(e);
            }
            for (Memory<M> b : buffers) {
                M h = b.handle;
                b.handle = null;
                try {
                    freeDevice(h);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            buffers.clear();
            releaseDevice(failures);
            if (!failures.isEmpty()) {
                RuntimeException first = failures.getFirst();
                failures.subList(1, failures.size()).forEach(first::addSuppressed);
                throw first;
            }
        } finally {
            lock.unlock();
        }
    }
}
