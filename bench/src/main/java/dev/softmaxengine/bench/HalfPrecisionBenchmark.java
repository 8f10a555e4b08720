package dev.softmaxengine.bench;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.simd.VectorSoftmaxKernel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * simd softmax of a {@code [rows, cols]} matrix in off-heap memory, float32 against the 16-bit
 * storage dtypes, in calls per second (rows/s = calls/s x rows), beside {@code copy}: the same
 * bytes moved from the input to the output by {@link MemorySegment#copy} on as many threads, the
 * ceiling a memory-bound softmax approaches (it must read the input and write the output once; a
 * 16-bit softmax moves 4 bytes per element, float32 8). Run with
 * {@code bench/run-jmh.sh HalfPrecisionBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class HalfPrecisionBenchmark {
    private static final long SEED = 0x5EED_0016L;

    @Param({"512x32768", "8x262144"})
    public String shape;

    @Param({"FLOAT32", "BFLOAT16", "FLOAT16"})
    public String dtype;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private MemorySegment in;
    private MemorySegment out;
    private SoftmaxKernel kernel;
    private OpRequest request;
    private ExecutorService copiers;

    @Setup(Level.Trial)
    public void setUp() {
        BenchShape s = BenchShape.parse(shape);
        DType d = DType.valueOf(dtype);
        long bytes = s.elements() * d.byteSize();
        arena = Arena.ofShared();
        in = arena.allocate(bytes, 64);
        out = arena.allocate(bytes, 64);
        SplittableRandom random = new SplittableRandom(SEED);
        Tensor x = Tensor.of(in, d, s.rows(), s.cols());
        for (long i = 0; i < s.elements(); i++) {
            float v = (float) (random.nextDouble() * 16 - 8);
            switch (d) {
                case FLOAT32 -> in.setAtIndex(Tensor.F32, i, v);
                default -> in.setAtIndex(Tensor.I16, i, Half.fromFloat(d, v));
            }
        }
        kernel = new VectorSoftmaxKernel(threads);
        request = OpRequest.of(Op.SOFTMAX, x, Tensor.of(out, d, s.rows(), s.cols()));
        copiers = Executors.newFixedThreadPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        copiers.shutdownNow();
        kernel.close();
        arena.close();
    }

    @Benchmark
    public void softmax() {
        KernelBackend.of(kernel).execute(request);
    }

    /** The copy ceiling: in to out in {@code threads} slices at once. */
    @Benchmark
    public void copy() throws InterruptedException, ExecutionException {
        long bytes = in.byteSize();
        long slice = (bytes / threads + 63) & ~63L;
        List<Future<?>> parts = new ArrayList<>(threads);
        for (long off = 0; off < bytes; off += slice) {
            long from = off;
            long len = Math.min(slice, bytes - off);
            parts.add(copiers.submit(() -> MemorySegment.copy(in, from, out, from, len)));
        }
        for (Future<?> f : parts) {
            f.get();
        }
    }
}
