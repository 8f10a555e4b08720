package dev.softmaxengine.bench.suite;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What was run, beside where: the engine's version and git commit (with a dirty flag for
 * uncommitted changes to tracked files), the JVM's flags and the exact command line, so that two
 * runs can be told apart by more than their date. Absent in files of schema 1.
 *
 * @param gitCommit null where the build is not a git checkout or git is not on PATH
 * @param gitDirty null with {@code gitCommit}
 * @param jvmFlags the JVM's input arguments ({@code SOFTMAX_ENGINE_JAVA_OPTS} among them)
 * @param commandLine the bench's arguments, as typed after the command name
 */
public record RunInfo(String engineVersion, String gitCommit, Boolean gitDirty, List<String> jvmFlags,
                      String commandLine) {
    /** The launcher sets it to the checkout the bench was built from; else the working directory is tried. */
    public static final String ROOT_PROPERTY = "softmax.bench.root";
    private static final Pattern VERSION = Pattern.compile("<artifactId>[^<]*parent</artifactId>\\s*<version>([^<]+)</version>");

    public RunInfo {
        jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
    }

    /** This JVM running {@code commandLine}. */
    public static RunInfo detect(String commandLine) {
        Path root = Path.of(System.getProperty(ROOT_PROPERTY, System.getProperty("user.dir")));
        String commit = git(root, "rev-parse", "HEAD");
        Boolean dirty = null;
        if (commit != null) {
            String status = git(root, "status", "--porcelain", "--untracked-files=no");
            dirty = status == null ? null : !status.isEmpty();
        }
        return new RunInfo(version(root), commit, dirty, ManagementFactory.getRuntimeMXBean().getInputArguments(),
                commandLine);
    }

    /** The project's version: the jar manifest's, else the root pom's. */
    private static String version(Path root) {
        String v = RunInfo.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try {
            Matcher m = VERSION.matcher(Files.readString(root.resolve("pom.xml")));
            return m.find() ? m.group(1) : null;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    private static String git(Path root, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = root.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
