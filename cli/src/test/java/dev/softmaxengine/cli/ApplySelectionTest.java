package dev.softmaxengine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Half;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.io.NpyArray;
import dev.softmaxengine.models.io.NpyHeader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code apply --op top-k} and {@code apply --op sample} end to end, against the oracle. */
class ApplySelectionTest {
    @TempDir
    Path dir;

    private Path input(double[] x, long rows, long cols) throws IOException {
        Path in = dir.resolve("x.npy");
        Files.write(in, Npy.file(1, Npy.dict("<f8", "(" + rows + ", " + cols + ")"), Npy.f8(x)));
        return in;
    }

    private static double[] logits(int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return rnd.doubles(size).map(u -> Math.rint(u * 40 - 20) / 4).toArray();
    }

    private static long[] int64s(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        NpyHeader header = NpyHeader.read(MemorySegment.ofArray(bytes));
        assertEquals("<i8", header.descr());
        MemorySegment data = MemorySegment.ofArray(bytes).asSlice(header.dataOffset());
        long[] v = new long[(int) (data.byteSize() / Long.BYTES)];
        for (int i = 0; i < v.length; i++) {
            v[i] = data.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
        }
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "auto"})
    void topKWritesValuesAndIndices(String backend) throws IOException {
        double[] x = logits(3 * 60, 1);
        Path out = dir.resolve("top.npy");
        CliRun run = CliRun.of("apply", "--op", "top-k", "--k", "5", "--backend", backend, "--in", input(x, 3, 60).toString(),
                "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        double[] values = new double[15];
        int[] indices = new int[15];
        new ScalarSoftmaxKernel().topK(Tensor.of(x, 3, 60), Tensor.of(values, 3, 5), Tensor.of(indices, 3, 5), 5, -1);
        try (NpyArray v = NpyArray.open(out)) {
            assertArrayEquals(new long[] {3, 5}, v.tensor().shape().dims());
            for (int i = 0; i < 15; i++) {
                assertEquals(values[i], v.tensor().get(i), "value " + i);
            }
        }
        long[] written = int64s(dir.resolve("top.indices.npy"));
        for (int i = 0; i < 15; i++) {
            assertEquals(indices[i], written[i], "index " + i);
        }
    }

    @Test
    void topKAlongAnAxisWithItsOwnIndicesFile() throws IOException {
        double[] x = logits(4 * 9, 2);
        Path out = dir.resolve("v.npy");
        Path idx = dir.resolve("i.npy");
        CliRun run = CliRun.of("apply", "--op", "top-k", "--k", "2", "--axis", "0", "--backend", "scalar", "--in",
                input(x, 4, 9).toString(), "--out", out.toString(), "--indices", idx.toString());
        assertEquals(0, run.exit(), run.err());
        int[] indices = new int[18];
        new ScalarSoftmaxKernel().topK(Tensor.of(x, 4, 9), Tensor.of(new double[18], 2, 9), Tensor.of(indices, 2, 9), 2, 0);
        long[] written = int64s(idx);
        for (int i = 0; i < 18; i++) {
            assertEquals(indices[i], written[i], "index " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "auto"})
    void sampleDrawsTheOraclesIndices(String backend) throws IOException {
        double[] x = logits(50 * 100, 3);
        Path out = dir.resolve("draws.npy");
        Path lp = dir.resolve("lp.npy");
        CliRun run = CliRun.of("apply", "--op", "sample", "--temperature", "0.8", "--top-p", "0.95", "--seed", "7",
                "--backend", backend, "--in", input(x, 50, 100).toString(), "--out", out.toString(), "--log-probs", lp.toString());
        assertEquals(0, run.exit(), run.err());
        int[] indices = new int[50];
        double[] logProbs = new double[50];
        new ScalarSoftmaxKernel().sample(Tensor.of(x, 50, 100), Tensor.of(indices, 50), Tensor.of(logProbs, 50),
                new Sampling(0.8, 0, 0.95, 0, 7));
        long[] written = int64s(out);
        try (NpyArray l = NpyArray.open(lp)) {
            for (int i = 0; i < 50; i++) {
                assertEquals(indices[i], written[i], "draw " + i);
                assertEquals(logProbs[i], l.tensor().get(i), 2e-14, "log-probability " + i);
            }
        }
    }

    @Test
    void optionsOfOtherOpsAreRejected() throws IOException {
        String in = input(logits(12, 4), 3, 4).toString();
        String out = dir.resolve("y.npy").toString();
        String[][] bad = {
                {"--op", "top-k"},
                {"--op", "top-k", "--k", "5"},
                {"--op", "top-k", "--k", "0"},
                {"--op", "softmax", "--k", "2"},
                {"--op", "softmax", "--top-p", "0.5"},
                {"--op", "sample", "--axis", "0"},
                {"--op", "sample", "--top-p", "1.5"},
                {"--op", "sample", "--temperature", "-1"},
                {"--op", "sample", "--top-k", "9"},
                {"--op", "argmax", "--seed", "3"}};
        String[] messages = {"top-k needs --k", "--k must be in [1, 4]", "--k must be in [1, 4]", "--k applies to top-k",
                "--top-p applies to sample", "sample draws along the last axis", "topP must be in (0, 1]",
                "temperature must be finite and >= 0", "topK must be at most the row length 4", "--seed applies to sample"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 5];
            args[0] = "apply";
            System.arraycopy(bad[i], 0, args, 1, bad[i].length);
            System.arraycopy(new String[] {"--in", in, "--out", out}, 0, args, bad[i].length + 1, 4);
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exit(), String.join(" ", bad[i]) + ": " + run.err());
            assertTrue(run.err().contains(messages[i]), String.join(" ", bad[i]) + ": " + run.err());
            assertFalse(Files.exists(Path.of(out)), "no output for " + String.join(" ", bad[i]));
        }
    }

    /** The 16-bit payload of a .npy file of descr {@code descr}. */
    private static short[] halves(Path file, String descr) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        NpyHeader header = NpyHeader.read(MemorySegment.ofArray(bytes));
        assertEquals(descr, header.descr());
        MemorySegment data = MemorySegment.ofArray(bytes).asSlice(header.dataOffset());
        short[] v = new short[(int) (data.byteSize() / Short.BYTES)];
        MemorySegment.copy(data, ValueLayout.JAVA_SHORT_UNALIGNED, 0, v, 0, v.length);
        return v;
    }

    /**
     * float16 and bfloat16 files: top-k writes the input's own 16-bit values (same descr) and int64
     * indices; sample draws what the oracle draws for the float32 widening, and writes 16-bit
     * log-probabilities.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "auto"})
    void sixteenBitInputsGiveSixteenBitValues(String backend) throws IOException {
        for (DType dtype : DType.halves()) {
            String descr = dtype == DType.FLOAT16 ? "<f2" : "<u2";
            double[] x = logits(6 * 40, 5);
            short[] bits = new short[x.length];
            double[] widened = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                bits[i] = Half.fromDouble(dtype, x[i]);
                widened[i] = Half.toFloat(dtype, bits[i]);
            }
            bits[7] = (short) 0x8000;
            widened[7] = -0.0;
            byte[] payload = new byte[bits.length * Short.BYTES];
            MemorySegment.copy(bits, 0, MemorySegment.ofArray(payload), ValueLayout.JAVA_SHORT_UNALIGNED, 0, bits.length);
            Path in = dir.resolve("h.npy");
            Files.write(in, Npy.file(1, Npy.dict(descr, "(6, 40)"), payload));
            String[] dtypeOption = dtype == DType.BFLOAT16 ? new String[] {"--dtype", "bfloat16"} : new String[0];
            Path top = dir.resolve("top.npy");
            String[] args = Stream.of(new String[] {"apply", "--op", "top-k", "--k", "40", "--backend", backend}, dtypeOption,
                    new String[] {"--in", in.toString(), "--out", top.toString()}).flatMap(Stream::of).toArray(String[]::new);
            CliRun run = CliRun.of(args);
            assertEquals(0, run.exit(), String.join(" ", args) + ": " + run.err());
            int[] indices = new int[x.length];
            new ScalarSoftmaxKernel().topK(Tensor.of(widened, 6, 40), Tensor.of(new double[x.length], 6, 40),
                    Tensor.of(indices, 6, 40), 40, -1);
            short[] values = halves(top, descr);
            long[] written = int64s(dir.resolve("top.indices.npy"));
            for (int i = 0; i < x.length; i++) {
                assertEquals(indices[i], written[i], dtype + " index " + i);
                assertEquals(bits[(i / 40) * 40 + indices[i]], values[i], dtype + " value " + i + " is the input's bits");
            }

            Path draws = dir.resolve("draws.npy");
            Path lp = dir.resolve("lp.npy");
            args = Stream.of(new String[] {"apply", "--op", "sample", "--temperature", "0.8", "--top-p", "0.9", "--seed", "3",
                    "--backend", backend}, dtypeOption, new String[] {"--in", in.toString(), "--out", draws.toString(),
                    "--log-probs", lp.toString()}).flatMap(Stream::of).toArray(String[]::new);
            run = CliRun.of(args);
            assertEquals(0, run.exit(), String.join(" ", args) + ": " + run.err());
            int[] drawn = new int[6];
            float[] logProbs = new float[6];
            float[] f32 = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                f32[i] = (float) widened[i];
            }
            new ScalarSoftmaxKernel().sample(Tensor.of(f32, 6, 40), Tensor.of(drawn, 6), Tensor.of(logProbs, 6),
                    new Sampling(0.8, 0, 0.9, 0, 3));
            long[] wroteDraws = int64s(draws);
            short[] wroteLp = halves(lp, descr);
            for (int r = 0; r < 6; r++) {
                assertEquals(drawn[r], wroteDraws[r], dtype + " draw " + r);
                // The oracle's float32 value, rounded once to the dtype (a backend may round it twice: 1 ulp).
                double got = Half.toFloat(dtype, wroteLp[r]);
                assertEquals(logProbs[r], got, 2 * dtype.unitRoundoff() * Math.abs(logProbs[r]) + 1e-6,
                        dtype + " log-probability " + r);
            }
        }
    }
}
