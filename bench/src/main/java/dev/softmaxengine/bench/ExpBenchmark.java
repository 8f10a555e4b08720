package dev.softmaxengine.bench;

import dev.softmaxengine.simd.VectorExp;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The SIMD backend's exp against the Vector API's own {@code lanewise(EXP)} (an SVML call under
 * C2) and scalar {@code Math.exp}, in ns per element over an L1-resident array of softmax-range
 * arguments. It reaches the kernel's exp
 * through the public {@link VectorExp}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ExpBenchmark {
    private static final int N = 4096;
    private static final VectorSpecies<Float> S = VectorExp.floatSpecies();
    private final float[] x = new float[N];
    private final float[] y = new float[N];

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < N; i++) {
            x[i] = (float) (-random.nextDouble() * 80);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] polynomial() {
        for (int i = 0; i < N; i += S.length()) {
            VectorExp.expNonPositive(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        }
        return y;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] lanewiseExp() {
        for (int i = 0; i < N; i += S.length()) {
            FloatVector.fromArray(S, x, i).lanewise(VectorOperators.EXP).intoArray(y, i);
        }
        return y;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] mathExp() {
        for (int i = 0; i < N; i++) {
            y[i] = (float) Math.exp(x[i]);
        }
        return y;
    }
}
