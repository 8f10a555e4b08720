package dev.softmaxengine.models.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The hidden files outputs are written to before they are renamed over their targets. Each has a
 * fresh random name created with {@code CREATE_NEW} (O_EXCL: it never opens, nor follows a link
 * at, a path someone placed there), and is deleted by one shutdown hook if the JVM exits before its
 * owner commits or discards it, so a run killed by SIGTERM or Ctrl-C leaves no partial output.
 */
public final class TempFiles {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    /**
     * How to open a file {@link #createBeside} made: for writing, and never through a link that
     * replaced it since (O_NOFOLLOW).
     *
     * @return the options for {@code Files.newOutputStream} or {@code FileChannel.open}
     */
    public static java.nio.file.OpenOption[] reopen() {
        return new java.nio.file.OpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                java.nio.file.LinkOption.NOFOLLOW_LINKS};
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TempFiles::deleteAll, "softmax-engine temp files"));
    }

    private TempFiles() {
    }

    /**
     * Creates an empty file {@code .NAME.RANDOM.tmp} beside {@code target} (mode as the umask
     * allows, unlike {@code Files.createTempFile}'s 0600) and registers it for deletion at exit.
     *
     * @param target the file the temporary one will replace; its directory must exist
     * @return the new empty file, created with O_EXCL
     * @throws IOException when the directory is missing or not writable
     */
    public static Path createBeside(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + abs.getFileName() + "."
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                LIVE.add(temp);
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 8) {
                    throw e;
                }
            }
        }
    }

    /**
     * Renames {@code temp} over {@code target} in one step (replacing a file there) and forgets it.
     *
     * @param temp a file made by {@link #createBeside} for {@code target}
     * @param target the file to replace
     * @throws IOException when the rename fails; {@code temp} is then still registered
     */
    public static void commit(Path temp, Path target) throws IOException {
        Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LIVE.remove(temp);
    }

    /**
     * Deletes {@code temp} if it is still there and forgets it.
     *
     * @param temp a file made by {@link #createBeside}
     * @throws IOException when it exists and cannot be deleted
     */
    public static void discard(Path temp) throws IOException {
        try {
            Files.deleteIfExists(temp);
        } finally {
            LIVE.remove(temp);
        }
    }

    /** Whether {@code temp} is waiting for a commit or a discard (for tests). */
    static boolean isLive(Path temp) {
        return LIVE.contains(temp);
    }

    private static void deleteAll() {
        for (Path p : LIVE) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException | RuntimeException e) {
                // Nothing to report to at exit; a leftover hidden .tmp is the worst case.
            }
        }
    }
}
