package dev.softmaxengine.api;

/**
 * Whether this JVM can run the Vector API ({@code jdk.incubator.vector}), which the simd backend and
 * the models' vectorized products need: the one probe every module asks. The module is an incubator
 * module, so it is only in the module graph when the JVM is started with {@link #FLAGS}.
 */
public final class VectorApi {
    /** The incubator module's name. */
    public static final String MODULE = "jdk.incubator.vector";
    /** The JVM flags every engine JVM needs: the Vector API module, and native access for the FFM backends. */
    public static final String FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    private static final boolean PRESENT = ModuleLayer.boot().findModule(MODULE).isPresent();

    private VectorApi() {
    }

    /**
     * True when {@code jdk.incubator.vector} is in the boot layer's module graph.
     *
     * @return whether the Vector API can be used in this JVM; fixed for the JVM's lifetime
     */
    public static boolean available() {
        return PRESENT;
    }

    /**
     * Why the Vector API is missing and what to do, in one sentence; for probes and warnings.
     *
     * @return the same sentence whether or not the module is present; callers check
     *     {@link #available()} first
     */
    public static String missingReason() {
        return MODULE + " is not in the module graph; add " + FLAGS + " to the java command line";
    }
}
