package dev.softmaxengine.models.sequence;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the CoNLL-2000 chunking data ({@code word POS chunk} per line, a blank line after each
 * sentence, optionally gzipped) and locator of the shared copy in {@code shared/data/conll2000}.
 */
public final class Conll2000 {
    /** System property naming the directory that holds {@code train.txt.gz} and {@code test.txt.gz}. */
    public static final String DIR_PROPERTY = "conll2000.dir";
    /** System property with the project root, set by {@code bin/softmax-engine}. */
    private static final String HOME_PROPERTY = "softmax.engine.home";

    private Conll2000() {
    }

    /**
     * The data directory: {@code -Dconll2000.dir}, else {@code ../shared/data/conll2000} seen from the
     * project root ({@code -Dsoftmax.engine.home}, which the launcher sets), else from the working
     * directory or its parent (a module directory).
     *
     * @return the directory holding {@code train.txt.gz} and {@code test.txt.gz}
     * @throws IllegalStateException naming every path tried when none holds the data
     */
    public static Path directory() {
        String p = System.getProperty(DIR_PROPERTY);
        List<Path> tried = p == null || p.isBlank() ? candidates() : List.of(Path.of(p.trim()));
        for (Path dir : tried) {
            if (Files.isRegularFile(dir.resolve("train.txt.gz"))) {
                return dir.toAbsolutePath().normalize();
            }
        }
        List<String> names = tried.stream().map(d -> d.toAbsolutePath().normalize().resolve("train.txt.gz").toString()).toList();
        throw new IllegalStateException("CoNLL-2000 data not found at " + String.join(" or ", names)
                + "; set -D" + DIR_PROPERTY + "=<directory>");
    }

    /** {@code ../shared/data/conll2000} from the project root when known, else from here or a module directory. */
    private static List<Path> candidates() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            return List.of(Path.of(home).resolve("../shared/data/conll2000").normalize());
        }
        return List.of(Path.of("../shared/data/conll2000"), Path.of("../../shared/data/conll2000"));
    }

    /**
     * The training sentences (8,936 in the standard split).
     *
     * @return every sentence of {@code train.txt.gz}
     * @throws IOException when the file cannot be read or a line is malformed
     */
    public static List<ConllSentence> train() throws IOException {
        return read(directory().resolve("train.txt.gz"));
    }

    /**
     * The test sentences (2,012 in the standard split).
     *
     * @return every sentence of {@code test.txt.gz}
     * @throws IOException when the file cannot be read or a line is malformed
     */
    public static List<ConllSentence> test() throws IOException {
        return read(directory().resolve("test.txt.gz"));
    }

    /**
     * Reads a file of {@code word POS chunk} lines; gzip is detected from the magic bytes.
     *
     * @param file a CoNLL-2000 file, blank lines between sentences
     * @return its sentences in order
     * @throws IOException naming the file when it cannot be read or is malformed
     */
    public static List<ConllSentence> read(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), file.toString());
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            // The gzip layer's own messages name no file, or are null (found by fuzzing).
            throw new IOException(file + ": corrupt or truncated gzip data: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    static List<ConllSentence> read(BufferedReader in, String name) throws IOException {
        List<ConllSentence> out = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        String line;
        int number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            String s = line.strip();
            if (s.isEmpty()) {
                flush(rows, out);
                continue;
            }
            String[] f = s.split("\\s+");
            if (f.length != 3) {
                throw new IOException(name + ":" + number + ": expected 'word POS chunk', found " + f.length
                        + " fields: " + s);
            }
            rows.add(f);
        }
        flush(rows, out);
        return out;
    }

    private static void flush(List<String[]> rows, List<ConllSentence> out) {
        if (rows.isEmpty()) {
            return;
        }
        int n = rows.size();
        String[] w = new String[n];
        String[] p = new String[n];
        String[] c = new String[n];
        for (int i = 0; i < n; i++) {
            String[] f = rows.get(i);
            w[i] = f[0];
            p[i] = f[1];
            c[i] = f[2];
        }
        out.add(new ConllSentence(w, p, c));
        rows.clear();
    }
}
