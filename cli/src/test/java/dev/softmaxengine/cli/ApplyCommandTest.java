package dev.softmaxengine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.ScalarSoftmaxKernel;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.api.Tolerance;
import dev.softmaxengine.models.io.NpyArray;
import dev.softmaxengine.models.io.NpyHeader;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code apply} end to end through picocli, as {@code main} runs it. */
class ApplyCommandTest {
    @TempDir
    Path dir;
    Path inDir;
    Path outDir;

    @BeforeEach
    void dirs() throws IOException {
        inDir = Files.createDirectory(dir.resolve("in"));
        outDir = Files.createDirectory(dir.resolve("out"));
    }

    private Path fixture(String name) throws IOException {
        Path p = inDir.resolve(name);
        try (InputStream in = ApplyCommandTest.class.getResourceAsStream("/numpy/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    static Stream<Arguments> opsAndDtypes() {
        List<Arguments> cases = new ArrayList<>();
        for (Op op : Op.values()) {
            if (op == Op.TOP_K || op == Op.SAMPLE) {
                continue; // their own options: ApplySelectionTest
            }
            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16)) {
                for (String backend : List.of("scalar", Backends.AUTO)) {
                    cases.add(Arguments.of(op, dtype, backend));
                }
            }
        }
        return cases.stream();
    }

    /** Every op on a random shape, axis, temperature and keepdims, checked against the fp64 oracle within the backend's bound. */
    @ParameterizedTest
    @MethodSource("opsAndDtypes")
    void appliesEveryOp(Op op, DType dtype, String backend) throws IOException {
        SplittableRandom random = new SplittableRandom(Npy.seed("apply " + op.cliName() + " " + dtype + " " + backend));
        int rank = 1 + random.nextInt(3);
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = 1 + random.nextInt(op == Op.ARGMAX ? 6 : 7);
        }
        long size = Shape.of(shape).size();
        // Halves of a small range: many ties, so hardmax and argmax must pick the first maximum.
        double[] x = random.doubles(size).map(u -> Math.rint(u * 16 - 8) / 2).toArray();
        if (dtype == DType.FLOAT32) {
            x = Arrays.stream(x).map(v -> (float) v).toArray();
        }
        int axis = random.nextInt(-rank, rank);
        double temperature = op == Op.SOFTMAX || op == Op.LOG_SOFTMAX ? 0.25 + random.nextDouble(3) : 1.0;
        boolean keepdims = op.isReducing() && random.nextBoolean();

        // bfloat16 has no numpy dtype: its bits as uint16, read with --dtype bfloat16.
        String descr = switch (dtype) {
            case FLOAT32 -> "<f4";
            case FLOAT16 -> "<f2";
            case BFLOAT16 -> "<u2";
            default -> "<f8";
        };
        byte[] data = switch (dtype) {
            case FLOAT32 -> Npy.f4(toFloats(x));
            case FLOAT16, BFLOAT16 -> halfBits(dtype, x);
            default -> Npy.f8(x);
        };
        Path in = inDir.resolve("x.npy");
        Files.write(in, Npy.file(1, Npy.dict(descr, tuple(shape)), data));
        Path out = outDir.resolve("y.npy");

        List<String> args = new ArrayList<>(List.of("apply", "--op", op.cliName(), "--backend", backend,
                "--in", in.toString(), "--out", out.toString()));
        if (!op.isElementwise()) {
            args.addAll(List.of("--axis", Integer.toString(axis)));
        }
        if (op == Op.SOFTMAX || op == Op.LOG_SOFTMAX) {
            args.addAll(List.of("--temperature", Double.toString(temperature)));
        }
        if (keepdims) {
            args.add("--keepdims");
        }
        if (dtype == DType.BFLOAT16) {
            args.addAll(List.of("--dtype", "bfloat16"));
        }
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith(out + ": " + op.cliName() + " of "), run.out());

        Tensor wide = Tensor.of(x.clone(), shape);
        Shape outShape = op.isReducing() ? Shape.of(shape).reduce(Shape.of(shape).normalizeAxis(axis), keepdims) : Shape.of(shape);
        byte[] written = Files.readAllBytes(out);
        NpyHeader header = NpyHeader.read(MemorySegment.ofArray(written));
        assertArrayEquals(outShape.dims(), header.shape());
        MemorySegment result = MemorySegment.ofArray(written).asSlice(header.dataOffset());
        ScalarSoftmaxKernel oracle = new ScalarSoftmaxKernel();
        if (op == Op.ARGMAX) {
            assertEquals("<i8", header.descr());
            int[] expected = new int[Math.toIntExact(outShape.size())];
            oracle.argmax(wide, expected, axis);
            long[] actual = new long[expected.length];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = result.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
            }
            assertArrayEquals(Arrays.stream(expected).asLongStream().toArray(), actual);
            return;
        }
        assertEquals(descr, header.descr());
        Tensor expected = Tensor.of(new double[Math.toIntExact(outShape.size())], outShape.dims());
        oracle.execute(OpRequest.of(op, wide, expected, axis, temperature, keepdims));
        Tensor actual = Tensor.of(result, dtype, outShape.dims());
        Tolerance bound;
        try (SoftmaxKernel k = backend.equals("auto") ? Backends.create() : Backends.create(backend)) {
            bound = k.tolerance(op, dtype);
        }
        for (long i = 0; i < expected.size(); i++) {
            assertTrue(bound.accepts(actual.get(i), expected.get(i)),
                    "element " + i + ": " + actual.get(i) + " vs oracle " + expected.get(i) + ", bound " + bound);
        }
        try (Stream<Path> files = Files.list(outDir)) {
            assertEquals(List.of(out), files.toList(), "only the output, no temporary file");
        }
    }

    @Test
    void matchesNumpysOwnSoftmax() throws IOException {
        Path out = outDir.resolve("y.npy");
        CliRun run = CliRun.of("apply", "--op", "softmax", "--axis", "0", "--in", fixture("f8_3x4.npy").toString(),
                "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        try (NpyArray y = NpyArray.open(out); NpyArray numpy = NpyArray.open(fixture("f8_3x4_softmax_axis0.npy"))) {
            assertEquals(DType.FLOAT64, y.tensor().dtype());
            for (long i = 0; i < 12; i++) {
                assertEquals(numpy.tensor().get(i), y.tensor().get(i), 1e-14, "element " + i);
            }
        }
    }

    @Test
    void logsumexpOfAnEmptyAxisIsMinusInfinity() throws IOException {
        Path out = outDir.resolve("y.npy");
        CliRun run = CliRun.of("apply", "--op", "logsumexp", "--in", fixture("f4_2x0_v1.npy").toString(), "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        try (NpyArray y = NpyArray.open(out)) {
            assertArrayEquals(new long[] {2}, y.tensor().shape().dims());
            assertEquals(Double.NEGATIVE_INFINITY, y.tensor().get(0));
            assertEquals(Double.NEGATIVE_INFINITY, y.tensor().get(1));
        }
    }

    @Test
    void sigmoidOfARank0Array() throws IOException {
        Path out = outDir.resolve("y.npy");
        CliRun run = CliRun.of("apply", "--op", "sigmoid", "--in", fixture("f8_scalar_v1.npy").toString(), "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        try (NpyArray y = NpyArray.open(out)) {
            assertEquals(0, y.tensor().shape().rank());
            assertEquals(1 / (1 + Math.exp(-0.75)), y.tensor().get(0), 1e-15);
        }
    }

    /** A bad input file, given as its bytes, or a fixture name, with the options of the run. */
    record Bad(String what, String fixture, byte[] bytes, List<String> options) {
        @Override
        public String toString() {
            return what;
        }
    }

    private static Bad bytes(String what, byte[] bytes, String... options) {
        return new Bad(what, null, bytes, List.of(options));
    }

    private static Bad fixtureFile(String what, String fixture, String... options) {
        return new Bad(what, fixture, null, List.of(options));
    }

    static Stream<Bad> badRuns() {
        byte[] good = Npy.file(1, Npy.dict("<f4", "(2, 3)"), Npy.f4(1, 2, 3, 4, 5, 6));
        byte[] version4 = good.clone();
        version4[6] = 4;
        byte[] version11 = good.clone();
        version11[7] = 1;
        byte[] magic = good.clone();
        magic[5] = 'X';
        byte[] hugeHeader = good.clone();
        hugeHeader[8] = (byte) 0xFF;
        hugeHeader[9] = (byte) 0xFF;
        return Stream.of(
                fixtureFile("big-endian", "f4_bigendian.npy"),
                fixtureFile("fortran order", "f4_fortran.npy"),
                fixtureFile("int32", "i4.npy"),
                bytes("bfloat16 bits without --dtype bfloat16", Npy.file(1, Npy.dict("<u2", "(2,)"), new byte[4])),
                fixtureFile("float16 read as bfloat16", "f2.npy", "--dtype", "bfloat16"),
                bytes("float32 read as float64", good, "--dtype", "float64"),
                bytes("unknown dtype", good, "--dtype", "int8"),
                bytes("truncated data", Arrays.copyOf(good, good.length - 1)),
                bytes("trailing bytes", Arrays.copyOf(good, good.length + 4)),
                bytes("truncated header", Arrays.copyOf(good, 40)),
                bytes("header length past the end", hugeHeader),
                bytes("only the magic", Arrays.copyOf(good, 7)),
                bytes("empty file", new byte[0]),
                bytes("bad magic", magic),
                bytes("not npy at all", "x,y\n1,2\n".getBytes(StandardCharsets.US_ASCII)),
                bytes("version 4.0", version4),
                bytes("version 1.1", version11),
                bytes("invalid utf-8 in a 3.0 header", invalidUtf8V3()),
                bytes("axis out of range", good, "--axis", "2"),
                bytes("temperature 0", good, "--temperature", "0"),
                bytes("temperature for sigmoid", good, "--op", "sigmoid", "--temperature", "2"),
                bytes("keepdims for softmax", good, "--keepdims"),
                bytes("axis for sigmoid", good, "--op", "sigmoid", "--axis", "0"),
                bytes("unknown backend", good, "--backend", "tpu"),
                bytes("unknown op", good, "--op", "softermax"),
                fixtureFile("softmax of rank 0", "f8_scalar_v1.npy"),
                fixtureFile("logsumexp of rank 0", "f8_scalar_v1.npy", "--op", "logsumexp"),
                fixtureFile("argmax over an empty axis", "f4_2x0_v1.npy", "--op", "argmax"),
                // Hostile headers (issue 17): each was a stack trace or an allocation sized by the header.
                bytes("shape nested 3000 deep", Npy.file(1, Npy.dict("<f4", "[".repeat(3000) + "]".repeat(3000)), Npy.f4(1))),
                bytes("dims whose product overflows", Npy.file(1, Npy.dict("<f4", "(4294967296, 4294967296)"), Npy.f4(1))),
                bytes("shape larger than the file", Npy.file(1, Npy.dict("<f4", "(1000000000, 1000)"), Npy.f4(1, 2))));
    }

    private static byte[] halfBits(DType dtype, double[] x) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(x.length * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (double v : x) {
            b.putShort(dev.softmaxengine.api.Half.fromDouble(dtype, v));
        }
        return b.array();
    }

    /** A float16 file from numpy itself (np.float16), and bfloat16 bits as void ('|V2', two raw bytes). */
    @Test
    void readsAndWritesTheHalfDtypes() throws IOException {
        Path f2 = fixture("f2.npy");
        Path out = outDir.resolve("p.npy");
        CliRun run = CliRun.of("apply", "--op", "softmax", "--backend", "scalar", "--in", f2.toString(), "--out", out.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("float16"), run.out());
        try (NpyArray x = NpyArray.open(f2, null); NpyArray y = NpyArray.open(out, DType.FLOAT16)) {
            assertEquals("<f2", y.descr());
            Tensor expected = Tensor.of(new double[Math.toIntExact(x.tensor().size())], x.tensor().shape().dims());
            double[] wide = new double[Math.toIntExact(x.tensor().size())];
            for (int i = 0; i < wide.length; i++) {
                wide[i] = x.tensor().get(i);
            }
            new ScalarSoftmaxKernel().softmax(Tensor.of(wide, x.tensor().shape().dims()), expected);
            Tolerance bound = new ScalarSoftmaxKernel().tolerance(Op.SOFTMAX, DType.FLOAT16);
            for (int i = 0; i < wide.length; i++) {
                assertTrue(bound.accepts(y.tensor().get(i), expected.get(i)), "element " + i);
            }
        }
        double[] logits = {0, Math.log(3), 1, 1};
        Path v2 = Files.write(inDir.resolve("bf16.npy"), Npy.file(1, Npy.dict("|V2", "(2, 2)"),
                halfBits(DType.BFLOAT16, logits)));
        Path probs = outDir.resolve("q.npy");
        run = CliRun.of("apply", "--op", "softmax", "--dtype", "bfloat16", "--in", v2.toString(), "--out", probs.toString());
        assertEquals(0, run.exit(), run.err());
        try (NpyArray x = NpyArray.open(v2, DType.BFLOAT16); NpyArray y = NpyArray.open(probs, DType.BFLOAT16);
             SoftmaxKernel auto = Backends.create()) {
            assertEquals("|V2", y.descr(), "the output keeps the input's descriptor, so numpy reads it back alike");
            double[] wide = new double[4];
            for (int i = 0; i < 4; i++) {
                wide[i] = x.tensor().get(i);
            }
            double[] expected = new double[4];
            new ScalarSoftmaxKernel().softmax(Tensor.of(wide, 2, 2), Tensor.of(expected, 2, 2));
            Tolerance bound = auto.tolerance(Op.SOFTMAX, DType.BFLOAT16);
            for (int i = 0; i < 4; i++) {
                assertTrue(bound.accepts(y.tensor().get(i), expected[i]), "element " + i + ": " + y.tensor().get(i)
                        + ", oracle " + expected[i]);
            }
            assertEquals(0.5, y.tensor().get(2), "softmax([1, 1]) is exactly 1/2");
        }
    }

    /** Zero elements with huge dimensions: an empty result at once, not a loop over empty rows. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"(0, 1099511627776)", "(1000000000, 0)"})
    void appliesToZeroElementArraysWithHugeDimensionsAtOnce(String shape) throws IOException {
        Path in = Files.write(inDir.resolve("x.npy"), Npy.file(1, Npy.dict("<f4", shape), new byte[0]));
        for (String backend : List.of("scalar", Backends.AUTO)) {
            Path out = outDir.resolve(backend + ".npy");
            CliRun run = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> CliRun.of("apply", "--op", "softmax", "--backend", backend, "--in", in.toString(),
                            "--out", out.toString()));
            assertEquals(0, run.exit(), run.err());
            try (NpyArray y = NpyArray.open(out)) {
                assertEquals(0, y.tensor().size());
            }
        }
    }

    /** A 3.0 header is UTF-8; a byte 0xFF in its padding is not. */
    private static byte[] invalidUtf8V3() {
        byte[] f = Npy.file(3, Npy.dict("<f4", "(2,)"), Npy.f4(1, 2));
        f[f.length - 8 - 2] = (byte) 0xFF;
        return f;
    }

    /** Every rejection: exit 2, one line on stderr, no stack trace, nothing in the output directory. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badRuns")
    void rejectsWithOneLineAndNoOutput(Bad bad) throws IOException {
        Path in = bad.fixture() != null ? fixture(bad.fixture()) : Files.write(inDir.resolve("x.npy"), bad.bytes());
        CliRun run = CliRun.of(args(in, outDir.resolve("y.npy"), bad.options()));
        assertRejected(run);
    }

    private static String[] args(Path in, Path out, List<String> options) {
        List<String> args = new ArrayList<>(List.of("apply", "--in", in.toString(), "--out", out.toString()));
        if (!options.contains("--op")) {
            args.addAll(List.of("--op", "softmax"));
        }
        args.addAll(options);
        return args.toArray(String[]::new);
    }

    private void assertRejected(CliRun run) throws IOException {
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, run.exit(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("softmax-engine"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
        assertEquals("", run.out());
        try (Stream<Path> files = Files.list(outDir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void rejectsAMissingInputFile() throws IOException {
        CliRun run = CliRun.of(args(inDir.resolve("absent.npy"), outDir.resolve("y.npy"), List.of()));
        assertRejected(run);
        assertEquals("softmax-engine: error: " + inDir.resolve("absent.npy") + ": no such file", run.err().strip());
    }

    @Test
    void rejectsADirectoryAsInputOrOutput() throws IOException {
        Path good = Files.write(inDir.resolve("x.npy"), Npy.file(1, Npy.dict("<f4", "(2,)"), Npy.f4(1, 2)));
        assertRejected(CliRun.of(args(inDir, outDir.resolve("y.npy"), List.of())));
        assertRejected(CliRun.of(args(good, outDir, List.of())));
        assertRejected(CliRun.of(args(good, outDir.resolve("no/such/dir/y.npy"), List.of())));
    }

    @Test
    void rejectsMissingOptionsAsAUsageError() throws IOException {
        CliRun run = CliRun.of("apply", "--op", "softmax", "--out", outDir.resolve("y.npy").toString());
        assertRejected(run);
        assertTrue(run.err().contains("--in"), run.err());
    }

    @Test
    void aFailedRunLeavesAnExistingOutputAlone() throws IOException {
        Path out = Files.writeString(outDir.resolve("y.npy"), "previous result");
        Path in = Files.write(inDir.resolve("x.npy"), Npy.file(1, Npy.dict("<f4", "(2, 3)"), Npy.f4(1, 2, 3, 4, 5, 6)));
        CliRun run = CliRun.of(args(in, out, List.of("--axis", "5")));
        assertEquals(SoftmaxEngineCli.EXIT_ERROR, run.exit());
        assertTrue(run.err().contains("axis must be in [-2, 1]"), run.err());
        try (Stream<Path> files = Files.list(outDir)) {
            assertEquals(List.of(out), files.toList());
        }
        assertEquals("previous result", Files.readString(out));
    }

    @Test
    void verbosePrintsTheStackTrace() throws IOException {
        Path in = Files.write(inDir.resolve("x.npy"), new byte[] {1, 2, 3});
        for (List<String> args : List.of(
                List.of("--verbose", "apply", "--op", "softmax", "--in", in.toString(), "--out", outDir.resolve("y.npy").toString()),
                List.of("apply", "--verbose", "--op", "softmax", "--in", in.toString(), "--out", outDir.resolve("y.npy").toString()))) {
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(SoftmaxEngineCli.EXIT_ERROR, run.exit());
            assertTrue(run.err().contains("\tat dev.softmaxengine.models.io.NpyHeader.read"), run.err());
            assertTrue(run.err().strip().endsWith("softmax-engine: error: " + in + ": not a .npy file: it does not start with \\x93NUMPY"),
                    run.err());
        }
    }

    private static String tuple(long[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (long d : shape) {
            b.append(d).append(", ");
        }
        return b.append(")").toString();
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
