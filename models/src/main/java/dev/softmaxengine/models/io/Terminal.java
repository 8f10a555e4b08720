package dev.softmaxengine.models.io;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whether stderr is a terminal: libc's {@code isatty(2)} through the FFM API. The JDK can only tell
 * for stdin and stdout together ({@code System.console()}), and progress goes to stderr. The CLI's
 * and the bench's progress bars draw only then, so redirected logs get no {@code \r} frames.
 */
public final class Terminal {
    private Terminal() {
    }

    /**
     * Whether file descriptor 2 is a terminal.
     *
     * @return true for a terminal; false for a file or pipe, or when libc or native access is missing
     */
    public static boolean stderr() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle isatty = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(2) == 1;
        } catch (Throwable e) {
            // No libc symbol or no native access: assume a log file, where a bar would be noise.
            return false;
        }
    }
}
