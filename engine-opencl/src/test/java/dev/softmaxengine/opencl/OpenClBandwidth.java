package dev.softmaxengine.opencl;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.DeviceBuffer;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Effective bandwidth of fp32 softmax on the best OpenCL device, counting 8 bytes per element (one
 * read, one write): on device buffers (the kernel alone, plus the wait for it) and on host arrays
 * (plus one copy in and one copy out per call). A quick look, not a benchmark: JMH lives in bench.
 *
 * <p>{@code mvn -q -o -pl engine-opencl test-compile exec:exec@bandwidth}, or pass shapes as
 * {@code rows x cols} arguments to the class.
 */
public final class OpenClBandwidth {
    private static final String[] DEFAULT_SHAPES = {"4096x1024", "2048x4096", "1024x16384", "64x1048576"};
    private static final double SECONDS_PER_MEASUREMENT = 1.0;

    private OpenClBandwidth() {
    }

    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args : DEFAULT_SHAPES;
        try (OpenClSoftmaxKernel kernel = new OpenClSoftmaxKernel()) {
            System.out.println("device: " + kernel.device());
            System.out.printf(Locale.ROOT, "%-12s %-16s %14s %14s%n", "shape", "strategy", "device GB/s", "host GB/s");
            for (String shape : shapes) {
                String[] rc = shape.split("x");
                long rows = Long.parseLong(rc[0]);
                long cols = Long.parseLong(rc[1]);
                System.out.printf(Locale.ROOT, "%-12s %-16s %14.2f %14.2f%n", shape,
                        kernel.strategyFor(Op.SOFTMAX, DType.FLOAT32, cols, 1),
                        deviceResident(kernel, rows, cols), hostArrays(kernel, rows, cols));
            }
        }
    }

    private static double deviceResident(OpenClSoftmaxKernel kernel, long rows, long cols) {
        int n = Math.toIntExact(rows * cols);
        try (DeviceBuffer in = kernel.allocate(DType.FLOAT32, n);
             DeviceBuffer out = kernel.allocate(DType.FLOAT32, n)) {
            in.write(Tensor.of(random(n), rows, cols));
            Tensor x = Tensor.of(in, rows, cols);
            Tensor y = Tensor.of(out, rows, cols);
            return gigabytesPerSecond(n, () -> kernel.softmax(x, y));
        }
    }

    private static double hostArrays(OpenClSoftmaxKernel kernel, long rows, long cols) {
        int n = Math.toIntExact(rows * cols);
        Tensor x = Tensor.of(random(n), rows, cols);
        Tensor y = Tensor.of(new float[n], rows, cols);
        return gigabytesPerSecond(n, () -> kernel.softmax(x, y));
    }

    /** Repeats {@code call} for about a second after a warm-up, and reports 8 bytes per element per call. */
    private static double gigabytesPerSecond(long elements, Runnable call) {
        for (int i = 0; i < 3; i++) {
            call.run();
        }
        int calls = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            call.run();
            calls++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < SECONDS_PER_MEASUREMENT * 1e9);
        return 8.0 * elements * calls / elapsed;
    }

    private static float[] random(int n) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
