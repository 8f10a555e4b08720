package dev.softmaxengine.cli.models;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whether stderr is a terminal: libc's {@code isatty(2)} through the FFM API. The JDK can only tell
 * for stdin and stdout together ({@code System.console()}), and progress goes to stderr.
 */
final class Terminal {
    private Terminal() {
    }

    static boolean stderr() {
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
