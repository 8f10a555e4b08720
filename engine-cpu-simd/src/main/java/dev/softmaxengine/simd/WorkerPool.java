package dev.softmaxengine.simd;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernel's worker threads. A call's units are handed out in contiguous chunks to the caller's
 * thread and the workers. Workers spin for {@link #SPIN_NANOS} after each job before they park: an
 * executor's submit/get hand-off costs 10-50 us of wake-up on these machines (a 32K-element row
 * takes 8 us), while a spinning worker starts within a few hundred nanoseconds, which is what lets
 * back-to-back calls (a scoring loop, a benchmark) use every core. One call at a time uses the
 * workers; a call that finds them busy with another caller's call runs on its own thread.
 */
final class WorkerPool implements AutoCloseable {
    /** How long an idle worker spins before parking (ONNX Runtime's and OpenMP's pools spin too). */
    static final long SPIN_NANOS = 500_000;

    /** A range [from, to) of a call's units. */
    @FunctionalInterface
    interface RangeTask {
        void run(long from, long to);
    }

    /**
     * One call's work, handed out in chunks from a shared counter rather than as one fixed part per
     * thread: a worker that wakes late (a parked thread takes up to milliseconds to be scheduled on
     * a shared machine) then takes fewer chunks instead of holding the whole call back.
     */
    private static final class Job {
        /** Chunks per thread: enough to even out a late start, few enough that claiming one costs nothing. */
        static final int CHUNKS_PER_THREAD = 16;

        final long seq;
        final RangeTask task;
        final long units;
        final long chunk;
        final AtomicLong next = new AtomicLong();
        final AtomicLong finished = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(long seq, RangeTask task, long units, int threads) {
            this.seq = seq;
            this.task = task;
            this.units = units;
            this.chunk = Math.max(1, units / ((long) threads * CHUNKS_PER_THREAD));
        }

        /** Runs chunks until none is left. */
        void help() {
            long from;
            while ((from = next.getAndAdd(chunk)) < units) {
                long to = Math.min(units, from + chunk);
                try {
                    if (failure.get() == null) {
                        task.run(from, to);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.addAndGet(to - from);
                }
            }
        }

        boolean done() {
            return finished.get() >= units;
        }
    }

    private static final java.lang.invoke.VarHandle PARKED = java.lang.invoke.MethodHandles.arrayElementVarHandle(boolean[].class);

    private final Thread[] workers;
    /** Whether worker w may be parked (set before it parks, cleared when it wakes). */
    private final boolean[] parked;
    private final ReentrantLock inUse = new ReentrantLock();
    /** The job in progress, or null; workers run each job (told apart by its seq) at most once. */
    private volatile Job job;
    private long seq;
    private volatile boolean closed;

    /** @param workers threads besides the caller's, >= 1 */
    WorkerPool(int workers) {
        this.workers = new Thread[workers];
        this.parked = new boolean[workers];
        for (int w = 0; w < workers; w++) {
            int part = w + 1;
            Thread t = new Thread(() -> work(part), "softmax-simd-worker-" + part);
            t.setDaemon(true);
            this.workers[w] = t;
            t.start();
        }
    }

    /** Threads a call may use, the caller's included. */
    int threads() {
        return workers.length + 1;
    }

    /**
     * Runs task over [0, units) on up to {@link #threads()} threads; rethrows the first failure of any
     * chunk once all have finished (chunks not yet started when one fails are skipped).
     */
    void run(long units, RangeTask task) {
        int parts = (int) Math.min(threads(), units);
        if (parts < 2 || closed || !inUse.tryLock()) {
            task.run(0, units);
            return;
        }
        if (closed) {
            // close() took and released the lock after the check above: the workers are gone.
            inUse.unlock();
            task.run(0, units);
            return;
        }
        Job j = new Job(++seq, task, units, parts);
        try {
            job = j;
            for (int w = 0; w < parts - 1; w++) {
                // A spinning worker sees the job by itself; unpark (a futex call) only a parked one.
                if ((boolean) PARKED.getVolatile(parked, w)) {
                    LockSupport.unpark(workers[w]);
                }
            }
            j.help();
            long spins = 0;
            while (!j.done()) {
                // Only chunks already taken are left; on a loaded machine a descheduled worker can
                // hold one for a while, and then the caller yields its core rather than spinning.
                if (++spins < 1 << 16) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        } finally {
            job = null;
            inUse.unlock();
        }
        Throwable failure = j.failure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("simd worker failed", failure);
        }
    }

    private void work(int part) {
        long done = 0;
        while (true) {
            long deadline = System.nanoTime() + SPIN_NANOS;
            Job j;
            int spins = 0;
            while (((j = job) == null || j.seq == done) && !closed) {
                // The clock is read every 64 spins: in a VM one read costs as much as the spin.
                if ((++spins & 63) != 0 || System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                } else {
                    parkedFlag(part, true);
                    // Re-check after publishing the flag: a job posted in between would find the
                    // flag unset and not unpark.
                    if ((j = job) == null || j.seq == done) {
                        LockSupport.park(this);
                    }
                    parkedFlag(part, false);
                    deadline = System.nanoTime() + SPIN_NANOS;
                }
            }
            if (closed) {
                return;
            }
            done = j.seq;
            j.help();
        }
    }

    private void parkedFlag(int part, boolean value) {
        PARKED.setVolatile(parked, part - 1, value);
    }

    /**
     * Stops the workers and waits until they have exited. A job in progress finishes first (under
     * the lock): a worker must not leave a posted job, since a split-row job's parts wait for
     * each other and the caller alone would wait forever. Calls after this run on their caller's
     * thread.
     */
    @Override
    public void close() {
        inUse.lock();
        try {
            closed = true;
        } finally {
            inUse.unlock();
        }
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        boolean interrupted = false;
        for (Thread t : workers) {
            while (t.isAlive() && t != Thread.currentThread()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
