package dev.softmaxengine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.io.NpyArray;
import dev.softmaxengine.models.io.NpyHeader;
import dev.softmaxengine.models.io.NpyOutputFile;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading and writing .npy: files made by numpy (see resources/numpy/make.py) and files built by hand. */
class NpyFilesTest {
    @TempDir
    Path dir;

    private Path fixture(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = NpyFilesTest.class.getResourceAsStream("/numpy/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    private static double[] values(Tensor t) {
        double[] v = new double[Math.toIntExact(t.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.get(i);
        }
        return v;
    }

    @Test
    void readsWhatNumpyWroteInEveryVersion() throws IOException {
        try (NpyArray a = NpyArray.open(fixture("f4_2x3_v1.npy"))) {
            assertEquals(DType.FLOAT32, a.tensor().dtype());
            assertArrayEquals(new long[] {2, 3}, a.tensor().shape().dims());
            assertArrayEquals(new double[] {-1.5, 0.0, 2.25, 3.0, -4.0, 100.0}, values(a.tensor()));
        }
        try (NpyArray a = NpyArray.open(fixture("f8_5_v2.npy"))) {
            assertEquals(DType.FLOAT64, a.tensor().dtype());
            assertArrayEquals(new long[] {5}, a.tensor().shape().dims());
            assertArrayEquals(new double[] {0.1, -2.5, 1e300, -1e-300, 7.0}, values(a.tensor()));
        }
        try (NpyArray a = NpyArray.open(fixture("f4_2x2x2_v3.npy"))) {
            assertArrayEquals(new long[] {2, 2, 2}, a.tensor().shape().dims());
            assertArrayEquals(new double[] {-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5}, values(a.tensor()));
        }
        try (NpyArray a = NpyArray.open(fixture("f8_scalar_v1.npy"))) {
            assertEquals(0, a.tensor().shape().rank());
            assertArrayEquals(new double[] {0.75}, values(a.tensor()));
        }
        try (NpyArray a = NpyArray.open(fixture("f4_2x0_v1.npy"))) {
            assertArrayEquals(new long[] {2, 0}, a.tensor().shape().dims());
            assertEquals(0, a.tensor().size());
        }
    }

    /** The writer's header must be numpy's, byte for byte, for every shape kind: (), (n,), (r, c) and an empty axis. */
    @ParameterizedTest
    @CsvSource({"f4_2x3_v1.npy, <f4, 2 3", "f8_scalar_v1.npy, <f8, ''", "f4_2x0_v1.npy, <f4, 2 0", "f8_3x4.npy, <f8, 3 4"})
    void writesNumpysExactHeader(String name, String descr, String dims) throws IOException {
        long[] shape = dims.isBlank() ? new long[0] : Arrays.stream(dims.split(" ")).mapToLong(Long::parseLong).toArray();
        byte[] numpy = Files.readAllBytes(fixture(name));
        byte[] ours = NpyHeader.encode(descr, shape);
        assertEquals(0, ours.length % 64, "data is 64-byte aligned");
        assertArrayEquals(Arrays.copyOf(numpy, ours.length), ours);
    }

    @Test
    void headerOfA2x3Float32ArrayIsTheKnownBytes() {
        byte[] header = NpyHeader.encode("<f4", new long[] {2, 3});
        assertEquals(128, header.length);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}, Arrays.copyOf(header, 10));
        String text = new String(header, 10, 118, StandardCharsets.ISO_8859_1);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        assertTrue(text.startsWith(dict + " ".repeat(20)), "21 - len('2') growth spaces after the dict");
        assertEquals(dict, text.strip());
        assertTrue(text.endsWith(" \n"));
    }

    /** Hand-built files of every version and dtype survive read, write and read again unchanged. */
    @ParameterizedTest
    @CsvSource({"1, <f4", "1, <f8", "2, <f4", "2, <f8", "3, <f4", "3, <f8"})
    void roundTrips(int major, String descr) throws IOException {
        SplittableRandom random = new SplittableRandom(Npy.seed("roundTrips " + major + " " + descr));
        int rows = 1 + random.nextInt(5);
        int cols = random.nextInt(9);
        double[] v = random.doubles(rows * cols, -1e6, 1e6).toArray();
        boolean f4 = descr.equals("<f4");
        byte[] data = f4 ? Npy.f4(toFloats(v)) : Npy.f8(v);
        Path in = dir.resolve("in.npy");
        Files.write(in, Npy.file(major, Npy.dict(descr, "(" + rows + ", " + cols + ")"), data));
        Path out = dir.resolve("out.npy");
        try (NpyArray a = NpyArray.open(in)) {
            assertEquals(f4 ? DType.FLOAT32 : DType.FLOAT64, a.tensor().dtype());
            try (NpyOutputFile o = NpyOutputFile.create(out, a.descr(), a.tensor().dtype().byteSize(), a.tensor().shape().dims())) {
                MemorySegment.copy(a.tensor().asHostSegment(), 0, o.data(), 0, data.length);
                o.commit();
            }
        }
        byte[] written = Files.readAllBytes(out);
        byte[] header = NpyHeader.encode(descr, new long[] {rows, cols});
        assertArrayEquals(header, Arrays.copyOf(written, header.length));
        assertArrayEquals(data, Arrays.copyOfRange(written, header.length, written.length));
        try (NpyArray again = NpyArray.open(out)) {
            assertArrayEquals(new long[] {rows, cols}, again.tensor().shape().dims());
            double[] expected = f4 ? widen(toFloats(v)) : v;
            assertArrayEquals(expected, values(again.tensor()));
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind");
        }
    }

    /** The header is a Python literal: quotes, key order, spacing and trailing commas are free. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"shape\": (2,3), \"descr\": \"<f4\", \"fortran_order\": False}",
        "{'fortran_order':False,'shape':(2 , 3 ,),'descr':'<f4',}",
        "{ 'descr' : '<f4' ,\n 'fortran_order' : False , 'shape' : ( 2, 3 ) }"})
    void parsesAnyLiteralSpelling(String dict) throws IOException {
        Path p = dir.resolve("x.npy");
        Files.write(p, Npy.file(1, dict, Npy.f4(1, 2, 3, 4, 5, 6)));
        try (NpyArray a = NpyArray.open(p)) {
            assertArrayEquals(new long[] {2, 3}, a.tensor().shape().dims());
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, values(a.tensor()));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }|shape must be a tuple, was 6",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [6], }|shape must be a tuple, was [6]",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }|shape must hold non-negative ints",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (6,), }|fortran_order must be True or False",
        "{'descr': '<f4', 'shape': (6,), }|keys must be descr, fortran_order and shape",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}|keys must be descr, fortran_order and shape",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}|duplicate key 'descr'",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6.0,), }|only integers are allowed",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), } x|unexpected text after the dict",
        "{'descr': '<f4, 'fortran_order': False, 'shape': (6,), }|expected ',' or '}'",
        "('<f4', False, (6,))|not a dict",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }|dtype [('a', '<f4')] is not supported"})
    void rejectsMalformedHeaders(String dict, String message) throws IOException {
        Path p = dir.resolve("x.npy");
        Files.write(p, Npy.file(1, dict, Npy.f4(1, 2, 3, 4, 5, 6)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyArray.open(p).close());
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
