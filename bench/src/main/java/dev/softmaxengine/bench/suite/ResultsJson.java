package dev.softmaxengine.bench.suite;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code results.json}: a {@link SuiteReport} as JSON, every field present (absent values are null). */
public final class ResultsJson {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping()
            .create();

    private ResultsJson() {
    }

    public static void write(SuiteReport report, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            GSON.toJson(report, w);
            w.write('\n');
        }
    }

    /**
     * @throws IllegalArgumentException when the file is not a report of schema {@value SuiteReport#SCHEMA}
     */
    public static SuiteReport read(Path file) throws IOException {
        SuiteReport report;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            report = GSON.fromJson(r, SuiteReport.class);
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": not a bench results file: " + e.getMessage(), e);
        }
        if (report == null || !SuiteReport.SCHEMA.equals(report.schema())) {
            throw new IllegalArgumentException(file + ": schema must be " + SuiteReport.SCHEMA + ", was "
                    + (report == null ? "an empty file" : report.schema()));
        }
        return report;
    }
}
