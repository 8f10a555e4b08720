package dev.softmaxengine.bench.suite;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.bench.BenchShape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The hardware benchmark: first the machine's own ceilings (the CPU copy at each thread count, and
 * each device backend's device-to-device copy), then every contender over the sweep, each result as
 * effective GB/s and as a fraction of the ceiling that bounds it. The contenders of a shape and op
 * are sampled in turn, so their ratios come from the same moments of a shared machine. Device
 * backends are timed by their events on device-resident operands, and their host-device copies
 * apart. A case that throws is recorded and the run goes on.
 */
public final class HardwareSuite {
    /** The same seed every run, so that runs (and the torch script) see the same kind of input. */
    static final long SEED = 0x5EED_50F7L;
    /** Inputs in [-RANGE, RANGE), as the JMH benchmarks use. */
    static final double RANGE = 8;
    /** A result this far above its compute roof says the roof, not the kernel, is off. */
    static final double ABOVE_ROOF = 1.05;

    private final SweepPlan plan;
    private final Progress progress;
    private final String commandLine;

    public HardwareSuite(SweepPlan plan, Progress progress) {
        this(plan, progress, "");
    }

    /** @param commandLine the arguments the run was started with, for the report's {@link RunInfo} */
    public HardwareSuite(SweepPlan plan, Progress progress, String commandLine) {
        if (plan == null || progress == null || commandLine == null) {
            throw new IllegalArgumentException("plan, progress and commandLine must not be null");
        }
        this.plan = plan;
        this.progress = progress;
        this.commandLine = commandLine;
    }

    /**
     * Measures the backends named in {@code backends} (all when empty), closing them afterwards.
     *
     * @throws IllegalArgumentException for an unknown backend name
     * @throws IllegalStateException for a named backend that cannot run here
     */
    public SuiteReport run(List<String> backends) {
        Contenders.Found found = Contenders.discover(backends, plan.threads());
        try {
            return run(found.contenders(), found.notes());
        } finally {
            found.contenders().forEach(Contender::close);
        }
    }

    /** Measures {@code contenders}; {@code notes} go into the report first. The caller closes the contenders. */
    SuiteReport run(List<Contender> contenders, List<String> notes) {
        if (contenders.isEmpty()) {
            throw new IllegalArgumentException("contenders must not be empty: no backend to measure");
        }
        return new Run(plan.fitTo(availableMemory(), contenders.size()), contenders, notes).measure();
    }

    /** The state of one run: what is measured, what has been, and how far it got. */
    private final class Run {
        private final SweepPlan p;
        private final List<Contender> contenders;
        private final List<String> notes;
        private final List<Ceiling> ceilings = new ArrayList<>();
        private final List<ComputeRoof> roofs = new ArrayList<>();
        private final List<CaseResult> results = new ArrayList<>();
        private final List<TransferResult> transfers = new ArrayList<>();
        private final List<String> failures = new ArrayList<>();
        private final Set<Integer> hostThreads;
        private final int total;
        private int done;

        Run(SweepPlan fitted, List<Contender> contenders, List<String> notes) {
            this.p = fitted;
            this.contenders = contenders;
            this.notes = new ArrayList<>(notes);
            this.hostThreads = new LinkedHashSet<>(fitted.threads());
            this.total = hostThreads.size() * (1 + computeTypes(fitted).size())
                    + (int) contenders.stream().filter(c -> !c.onHost()).count() + countCases(fitted, contenders);
            if (fitted != plan) {
                this.notes.add(String.format(Locale.ROOT, "batches shrunk to %d MiB and copy arrays to %d MiB to fit"
                        + " free memory", fitted.batchBytes() / SweepPlan.MIB, fitted.copyBytes() / SweepPlan.MIB));
            }
        }

        SuiteReport measure() {
            for (int t : hostThreads) {
                progress.update(done++, total, "ceiling: CPU copy, " + t + (t == 1 ? " thread" : " threads"));
                ceilings.add(CpuCopy.measure(p.copyBytes(), t, Timing.CEILING));
            }
            measureRoofs();
            notes.addAll(ComputeRoof.unscaledNotes(roofs));
            for (Contender c : contenders) {
                if (!c.onHost()) {
                    measureDeviceCopy(c);
                }
            }
            for (DType dtype : p.dtypes()) {
                List<SweepPlan.Case> cases = p.cases(dtype);
                long maxElements = cases.stream().mapToLong(k -> k.shape().elements()).max().orElseThrow();
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment input = randomInput(arena, dtype, maxElements);
                    for (SweepPlan.Case k : cases) {
                        measure(dtype, k, input);
                    }
                }
            }
            progress.update(done, total, "done");
            progress.finish();
            long cut = results.stream().filter(r -> r.timing().count() < p.timing().minSamples()).count();
            if (cut > 0) {
                notes.add(String.format(Locale.ROOT, "%d cases have fewer than %d samples: their calls are so slow"
                        + " that they reached the %.1f s per case limit (see each result's timing.count)", cut,
                        p.timing().minSamples(), p.timing().maxCase().toNanos() / 1e9));
            }
            long above = results.stream().filter(r -> r.computeRoofGbps() != null
                    && r.gbps() > ABOVE_ROOF * r.computeRoofGbps()).count();
            if (above > 0) {
                notes.add(String.format(Locale.ROOT, "%d results ran faster than their compute roof: there the probe"
                        + " ran the exp slower than the kernel's own loop does (seen in float64, where C2 may leave the"
                        + " degree-13 exp out of line in the probe: 'callee is too large'); read those roofs as lower"
                        + " bounds", above));
            }
            List<Machine.Gpu> gpus = contenders.stream().filter(c -> !c.onHost())
                    .map(c -> Machine.Gpu.of(c.backend(), c.device())).distinct().toList();
            return new SuiteReport(SuiteReport.SCHEMA, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                    Machine.detect().withGpus(gpus), RunInfo.detect(commandLine), SuiteReport.Plan.of(p), ceilings,
                    roofs, results, transfers, notes, failures);
        }

        /** A device contender's memory roof, its own device-to-device copy; a note where it has none. */
        private void measureDeviceCopy(Contender c) {
            progress.update(done++, total, "ceiling: device copy, " + c.label());
            try {
                c.deviceCopy(p.copyBytes(), Timing.CEILING).ifPresentOrElse(ceilings::add,
                        () -> notes.add(c.label() + ": no device copy ceiling: its backend has no timed device copy"));
            } catch (RuntimeException e) {
                notes.add(c.label() + ": no device copy ceiling: " + e);
            }
        }

        /**
         * The compute roofs: the kernels' exp in registers, per compute dtype (16-bit storage computes
         * in float32, so it shares float32's roof) and host thread count.
         */
        private void measureRoofs() {
            for (int t : hostThreads) {
                for (DType dtype : computeTypes(p)) {
                    progress.update(done++, total, "roof: exp " + SweepPlan.dtypeName(dtype) + ", " + t
                            + (t == 1 ? " thread" : " threads"));
                    try {
                        roofs.add(ExpThroughput.measure(dtype, t, Timing.ROOF));
                    } catch (RuntimeException | LinkageError e) {
                        notes.add("no compute roof for " + SweepPlan.dtypeName(dtype) + " at " + t + " threads: " + e);
                    }
                }
            }
        }

        /**
         * Every contender on one shape, op by op, the contenders of an op sampled in turn
         * ({@link TimingLoop#measureInterleaved}) so that their ratios are measured in the same
         * moments. A contender that fails is recorded and left out of the shape's remaining ops.
         */
        private void measure(DType dtype, SweepPlan.Case k, MemorySegment input) {
            BenchShape shape = k.shape();
            String d = SweepPlan.dtypeName(dtype);
            Map<Contender, Contender.Prepared> prepared = new LinkedHashMap<>();
            try {
                for (Contender c : contenders) {
                    if (p.ops().stream().noneMatch(op -> c.supports(op, dtype))) {
                        continue;
                    }
                    try {
                        Contender.Prepared pr = c.prepare(shape, dtype, input, p.selection());
                        prepared.put(c, pr);
                        transfers.addAll(pr.transfers(p.timing()));
                    } catch (RuntimeException e) {
                        failures.add(c.label() + " setup " + d + " " + shape + ": " + e);
                        prepared.remove(c);
                    }
                }
                for (Op op : p.ops()) {
                    List<Contender> cs = new ArrayList<>();
                    for (Contender c : prepared.keySet()) {
                        if (c.supports(op, dtype)) {
                            cs.add(c);
                        }
                    }
                    if (cs.isEmpty()) {
                        continue;
                    }
                    progress.update(done, total, op.cliName() + " " + d + " " + shape + ": "
                            + String.join(", ", cs.stream().map(Contender::label).toList()));
                    // A cold call each first: a contender that fails is left out before the sampling starts.
                    List<TimingLoop.Call> calls = new ArrayList<>();
                    List<Contender> running = new ArrayList<>();
                    for (Contender c : cs) {
                        try {
                            prepared.get(c).run(op);
                            running.add(c);
                            calls.add(() -> prepared.get(c).run(op));
                        } catch (RuntimeException e) {
                            failures.add(c.label() + " " + op.cliName() + " " + d + " " + shape + ": " + e);
                            closeQuietly(prepared.remove(c));
                        }
                    }
                    if (!calls.isEmpty()) {
                        try {
                            Timing timing = k.batch().equals(SweepPlan.SMALL) ? p.timing().forLatency() : p.timing();
                            List<Samples> samples = TimingLoop.measureInterleaved(calls, timing);
                            for (int i = 0; i < running.size(); i++) {
                                Contender c = running.get(i);
                                record(c, dtype, k, op, samples.get(i), prepared.get(c));
                            }
                        } catch (RuntimeException e) {
                            failures.add(String.join(", ", running.stream().map(Contender::label).toList()) + " "
                                    + op.cliName() + " " + d + " " + shape + ": " + e);
                        }
                    }
                    done += cs.size();
                }
            } finally {
                prepared.values().forEach(HardwareSuite::closeQuietly);
            }
        }

        private void record(Contender c, DType dtype, SweepPlan.Case k, Op op, Samples samples, Contender.Prepared pr) {
            BenchShape shape = k.shape();
            String d = SweepPlan.dtypeName(dtype);
            try {
                pr.check(op);
            } catch (RuntimeException e) {
                failures.add(c.label() + " " + op.cliName() + " " + d + " " + shape + ": " + e);
                return;
            }
            boolean host = c.onHost() && c.threads() > 0;
            Ceiling bound = host ? ceiling(Ceiling.cpuId(c.threads()))
                    : c.onHost() ? null : ceiling(Ceiling.deviceId(c.label()));
            // A sample with top-k computes k exps per row, not one per element: no exp roof bounds it.
            boolean exps = op != Op.SAMPLE || p.selection().topK() == 0;
            String computeId = ComputeRoof.id(SweepPlan.dtypeName(dtype.computeType()), c.threads());
            ComputeRoof roof = host && exps ? roofs.stream().filter(r -> r.id().equals(computeId))
                    .findFirst().orElse(null) : null;
            results.add(CaseResult.of("suite", c.label(), c.backend(), c.device(), c.threads(),
                    c.onHost() ? CaseResult.HOST : CaseResult.DEVICE, k.batch(), shape.rows(), shape.cols(),
                    op.cliName(), d, samples, Traffic.bytes(op, dtype, shape, p.selection().k()), bound, roof));
        }

        private Ceiling ceiling(String id) {
            return ceilings.stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
        }
    }

    private static void closeQuietly(Contender.Prepared p) {
        if (p == null) {
            return;
        }
        try {
            p.close();
        } catch (RuntimeException ignored) {
            // Freeing one contender's operands must not lose the run's results.
        }
    }

    /** The dtypes the plan's dtypes compute in, each once: float32 for the 16-bit storage types. */
    static List<DType> computeTypes(SweepPlan p) {
        return p.dtypes().stream().map(DType::computeType).distinct().toList();
    }

    private static int countCases(SweepPlan p, List<Contender> contenders) {
        int n = 0;
        for (DType dtype : p.dtypes()) {
            for (Contender c : contenders) {
                n += (int) p.ops().stream().filter(op -> c.supports(op, dtype)).count() * p.cases(dtype).size();
            }
        }
        return n;
    }

    /** {@code elements} values of {@code dtype} uniform in [-RANGE, RANGE), the same every run. */
    static MemorySegment randomInput(Arena arena, DType dtype, long elements) {
        MemorySegment s = arena.allocate(elements * dtype.byteSize(), 64);
        SplittableRandom random = new SplittableRandom(SEED);
        for (long i = 0; i < elements; i++) {
            double x = (random.nextDouble() * 2 - 1) * RANGE;
            switch (dtype) {
                case FLOAT32 -> s.setAtIndex(Tensor.F32, i, (float) x);
                case FLOAT64 -> s.setAtIndex(Tensor.F64, i, x);
                case BFLOAT16, FLOAT16 -> s.setAtIndex(Tensor.I16, i, Half.fromDouble(dtype, x));
                default -> throw new IllegalArgumentException("dtype must be floating, was " + dtype);
            }
        }
        return s;
    }

    /** Physical memory free now (the JVM's view), or the heap's maximum where the runtime does not say. */
    private static long availableMemory() {
        long free = Machine.physicalMemory(true);
        return free > 0 ? free : Runtime.getRuntime().maxMemory();
    }
}
