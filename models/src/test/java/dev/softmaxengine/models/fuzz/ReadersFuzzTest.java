package dev.softmaxengine.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.TabularCsv;
import dev.softmaxengine.models.io.ModelFile;
import dev.softmaxengine.models.io.NpyArray;
import dev.softmaxengine.models.io.NpyHeader;
import dev.softmaxengine.models.io.NpyLabels;
import dev.softmaxengine.models.sequence.Conll2000;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every reader of user files against arbitrary bytes. The contract each target checks: a valid
 * result, or our own exception ({@link IllegalArgumentException} or {@link IOException}) with a
 * message; anything else (another exception, an Error such as StackOverflowError or
 * OutOfMemoryError) fails the input, and a hang is caught by Jazzer's per-input timeout.
 *
 * <p>In a plain test run these replay the committed corpus ({@code src/test/resources/.../
 * ReadersFuzzTestInputs/TARGET/}: small valid files of each kind and every regression found);
 * {@code bin/fuzz TARGET --minutes N} fuzzes one of them.
 */
class ReadersFuzzTest {
    /** Files the readers take by path; one per JVM, rewritten per input. */
    private static final Path SCRATCH = scratch();

    private static Path scratch() {
        try {
            Path dir = Files.createTempDirectory("softmax-fuzz");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path file(String name, byte[] data) throws IOException {
        Path p = SCRATCH.resolve(name);
        Files.write(p, data);
        p.toFile().deleteOnExit();
        return p;
    }

    private static void requireMessage(Exception e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("an exception without a message: " + e, e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void npyHeader(byte[] data) {
        try {
            NpyHeader h = NpyHeader.read(MemorySegment.ofArray(data));
            long elements = 1;
            for (long d : h.shape()) {
                elements = Math.multiplyExact(elements, d); // the header promised no overflow
            }
            if (elements > data.length - h.dataOffset()) {
                throw new AssertionError("shape of " + elements + " elements accepted for " + data.length + " bytes");
            }
        } catch (IllegalArgumentException e) {
            requireMessage(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void npyArray(byte[] data) throws IOException {
        Path p = file("x.npy", data);
        try (NpyArray a = NpyArray.open(p)) {
            long n = a.tensor().size();
            if (n > 0) {
                a.tensor().get(n - 1); // the mapping covers every element it claims
            }
        } catch (IllegalArgumentException | IOException e) {
            requireMessage(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void npyLabels(byte[] data) throws IOException {
        Path p = file("y.npy", data);
        try {
            NpyLabels.read(p);
        } catch (IllegalArgumentException | IOException e) {
            requireMessage(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void csv(byte[] data) throws IOException {
        Path p = file("x.csv", data);
        try {
            Dataset d = TabularCsv.read(p);
            boolean gzip = data.length >= 2 && data[0] == 0x1f && data[1] == (byte) 0x8b;
            // Every value of a plain file takes at least one byte of it.
            if (!gzip && (long) d.rows() * d.features() > data.length) {
                throw new AssertionError(d.rows() + " x " + d.features() + " values from " + data.length + " bytes");
            }
        } catch (IllegalArgumentException | IOException e) {
            requireMessage(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void conll(byte[] data) throws IOException {
        Path p = file("x.txt", data);
        try {
            Conll2000.read(p);
        } catch (IllegalArgumentException | IOException e) {
            requireMessage(e);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void modelFile(byte[] data) {
        try {
            ModelFile m = ModelFile.read(data);
            m.kind();
        } catch (IOException e) {
            requireMessage(e);
        }
    }
}
