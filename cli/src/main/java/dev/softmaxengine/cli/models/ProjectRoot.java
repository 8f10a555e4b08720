package dev.softmaxengine.cli.models;

import java.nio.file.Path;

/**
 * The project root, from {@value #PROPERTY} (which {@code bin/softmax-engine} sets), so default data
 * paths such as {@code ../shared/data/...} resolve the same from any working directory.
 */
final class ProjectRoot {
    /** System property holding the project root. */
    static final String PROPERTY = "softmax.engine.home";

    private ProjectRoot() {
    }

    /** {@code path} against the project root when it is known, else against the working directory. */
    static Path resolve(String path) {
        String home = System.getProperty(PROPERTY);
        return home == null || home.isBlank() ? Path.of(path) : Path.of(home).resolve(path).normalize();
    }
}
