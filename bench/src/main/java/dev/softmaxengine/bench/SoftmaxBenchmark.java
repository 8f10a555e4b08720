package dev.softmaxengine.bench;

import ai.onnxruntime.OrtException;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
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

import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Row softmax of a float32 {@code [rows, cols]} matrix, in calls per second; multiply by
 * {@link BenchShape#bytesPerCall()} for effective GB/s ({@link RatioReport} does). Every backend
 * gets the same input, off-heap, and writes into a preallocated output; {@code simd-array} is the
 * SIMD kernel on Java arrays instead (its fastest path: off-heap segments are staged through arrays).
 *
 * <p>{@code threads} is the kernel's own parallelism (JMH drives each call from one thread). The
 * scalar oracle is single-threaded by definition, so its two thread counts measure the same code.
 * Iterations are short because one scalar call on 64x1048576 takes seconds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SoftmaxBenchmark {
    public static final String ONNXRUNTIME = "onnxruntime";
    public static final String SIMD_ARRAY = "simd-array";
    private static final long SEED = 0x5EED_50F7L;
    /** Inputs in [-RANGE, RANGE): a spread of exponents without overflow tricks. */
    private static final float RANGE = 8f;

    @Param({"4096x256", "4096x1024", "1024x16384", "64x1048576"})
    public String shape;

    @Param({"scalar", "simd", SIMD_ARRAY, ONNXRUNTIME})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private SoftmaxKernel kernel;
    private DeviceBuffer inBuffer;
    private DeviceBuffer outBuffer;
    private Tensor in;
    private Tensor out;
    private OnnxRuntimeSoftmax ort;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        BenchShape s = BenchShape.parse(shape);
        SplittableRandom random = new SplittableRandom(SEED);
        if (backend.equals(ONNXRUNTIME)) {
            ort = new OnnxRuntimeSoftmax(s, threads);
            FloatBuffer input = ort.input();
            for (int i = 0; i < input.capacity(); i++) {
                input.put(i, nextInput(random));
            }
        } else if (backend.equals(SIMD_ARRAY)) {
            kernel = kernel(VectorSoftmaxKernel.NAME, threads);
            float[] input = new float[Math.toIntExact(s.elements())];
            for (int i = 0; i < input.length; i++) {
                input[i] = nextInput(random);
            }
            in = Tensor.of(input, s.rows(), s.cols());
            out = Tensor.of(new float[input.length], s.rows(), s.cols());
        } else {
            kernel = kernel(backend, threads);
            inBuffer = kernel.allocate(DType.FLOAT32, s.elements());
            outBuffer = kernel.allocate(DType.FLOAT32, s.elements());
            in = Tensor.of(inBuffer, s.rows(), s.cols());
            out = Tensor.of(outBuffer, s.rows(), s.cols());
            MemorySegment input = in.asHostSegment();
            for (long i = 0; i < s.elements(); i++) {
                input.setAtIndex(Tensor.F32, i, nextInput(random));
            }
        }
        softmax();
        checkRowSumsToOne(s, 0);
        checkRowSumsToOne(s, s.rows() - 1);
    }

    /** The backend's kernel with {@code threads} workers; the only SIMD-specific line is its construction. */
    static SoftmaxKernel kernel(String backend, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        return switch (backend) {
            case ScalarSoftmaxKernel.NAME -> new ScalarSoftmaxKernel();
            case VectorSoftmaxKernel.NAME -> new VectorSoftmaxKernel(threads);
            default -> throw new IllegalArgumentException("backend must be scalar, simd or " + ONNXRUNTIME
                    + ", was '" + backend + "'");
        };
    }

    private static float nextInput(SplittableRandom random) {
        return (float) ((random.nextDouble() * 2 - 1) * RANGE);
    }

    /** Guards against timing a call that does not compute softmax (a misbound ORT output, say). */
    private void checkRowSumsToOne(BenchShape s, long row) {
        double sum = 0;
        for (long k = row * s.cols(); k < (row + 1) * s.cols(); k++) {
            sum += ort != null ? ort.output().get((int) k) : out.get(k);
        }
        if (Math.abs(sum - 1) > 1e-3) {
            throw new IllegalStateException(backend + " on " + shape + ": row " + row + " sums to " + sum + ", not 1");
        }
    }

    @Benchmark
    public void softmax() throws OrtException {
        if (ort != null) {
            ort.run();
        } else {
            kernel.softmax(in, out);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        if (ort != null) {
            ort.close();
            ort = null;
        }
        if (kernel != null) {
            if (inBuffer != null) {
                outBuffer.close();
                inBuffer.close();
            }
            kernel.close();
            kernel = null;
        }
    }
}
