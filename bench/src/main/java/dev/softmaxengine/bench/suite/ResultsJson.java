package dev.softmaxengine.bench.suite;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code results.json}: a {@link SuiteReport} as JSON, every field present (absent values are null).
 *
 * <p>Schema versions. {@value SuiteReport#SCHEMA} is written. {@value SuiteReport#SCHEMA_1} files
 * (before the machine description, compute roofs and percentiles) are read and migrated: the
 * fields that schema 1 lacks stay null or empty ({@code run}, {@code roofs}, the machine's ISA,
 * caches and topology, each timing's quartiles, p90, p99 and median interval, each result's compute
 * roof and wall), the plan's thread counts are taken from its copy ceilings, and the report says
 * in a note that it was migrated. Nothing is invented for what was not measured.
 */
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

    /** The {@code schema} field of a JSON file, or null when it has none (or is not a JSON object). */
    public static String schemaOf(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement e = JsonParser.parseReader(r);
            if (e.isJsonObject() && e.getAsJsonObject().get("schema") instanceof JsonElement s && s.isJsonPrimitive()) {
                return s.getAsString();
            }
            return null;
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a report of schema {@value SuiteReport#SCHEMA}, or of {@value SuiteReport#SCHEMA_1}
     * migrated to it (see the class comment).
     *
     * @throws IllegalArgumentException when the file is not a bench report of either schema
     */
    public static SuiteReport read(Path file) throws IOException {
        JsonObject json;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement e = JsonParser.parseReader(r);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException(file + ": schema must be " + SuiteReport.SCHEMA + ", was "
                        + (e.isJsonNull() ? "an empty file" : "not a JSON object"));
            }
            json = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not a bench results file: " + e.getMessage(), e);
        }
        String schema = json.has("schema") && json.get("schema").isJsonPrimitive() ? json.get("schema").getAsString() : null;
        if (!SuiteReport.SCHEMA.equals(schema) && !SuiteReport.SCHEMA_1.equals(schema)) {
            throw new IllegalArgumentException(file + ": schema must be " + SuiteReport.SCHEMA + " (or "
                    + SuiteReport.SCHEMA_1 + ", migrated), was " + schema);
        }
        SuiteReport report;
        try {
            report = GSON.fromJson(json, SuiteReport.class);
        } catch (JsonParseException | IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(file + ": not a bench results file: " + e.getMessage(), e);
        }
        return SuiteReport.SCHEMA_1.equals(schema) ? migrate(report, file) : report;
    }

    /** A schema-1 report as schema 2: the plan's threads from its copy ceilings, and a note saying so. */
    static SuiteReport migrate(SuiteReport old, Path file) {
        SuiteReport.Plan p = old.plan();
        List<Integer> threads = old.ceilings().stream().filter(c -> c.threads() > 0).map(Ceiling::threads).distinct()
                .toList();
        SuiteReport.Plan plan = new SuiteReport.Plan(p.quick(), p.ops(), p.dtypes(), p.largeCols(), p.smallCols(),
                p.smallRows(), p.batchBytes(), p.copyBytes(), p.minWarmupMs(), p.maxWarmupMs(), p.minMeasureMs(),
                p.minSamples(), p.maxSamples(), p.maxCaseMs(), threads, List.of(), 0, null);
        List<String> notes = new ArrayList<>(old.notes());
        notes.add("migrated from " + SuiteReport.SCHEMA_1 + " (" + file.getFileName() + "): no machine details beyond"
                + " CPU model, cores, memory, OS and JVM, no compute roofs, no quartiles or percentiles");
        return new SuiteReport(SuiteReport.SCHEMA, old.created(), old.machine(), old.run(), plan, old.ceilings(),
                old.roofs(), old.results(), old.transfers(), notes, old.failures());
    }
}
