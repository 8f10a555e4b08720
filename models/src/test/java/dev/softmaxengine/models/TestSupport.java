package dev.softmaxengine.models;

import dev.softmaxengine.models.data.Dataset;
import dev.softmaxengine.models.data.TabularCsv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Seeds and the shared real datasets for the tests. */
public final class TestSupport {
    private TestSupport() {
    }

    /** A generator seeded from {@code -Dtests.seed} (random when empty), printing the seed so a failure can be rerun. */
    public static Random random(String test) {
        String p = System.getProperty("tests.seed", "");
        long seed = p.isBlank() ? new Random().nextLong() : Long.parseLong(p.trim());
        System.out.println(test + ": tests.seed=" + seed);
        return new Random(seed);
    }

    /**
     * {@code shared/data/<relative>}: the project's data directory sits next to the checkout, so
     * it is {@code ../shared/data} from the root and {@code ../../shared/data} from a module.
     *
     * @throws AssertionError naming every path tried when the file is missing
     */
    public static Path sharedData(String relative) {
        List<Path> tried = List.of(Path.of("..", "shared", "data", relative), Path.of("..", "..", "shared", "data", relative));
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("dataset " + relative + " not found at " + tried.stream().map(p -> p.toAbsolutePath().normalize()).toList()
                + "; the tests read the project's shared/data directory");
    }

    /** A tabular CSV of {@code shared/data/tabular}. */
    public static Dataset tabular(String file) {
        try {
            return TabularCsv.read(sharedData("tabular/" + file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
