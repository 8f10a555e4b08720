package dev.softmaxengine.bench.suite;

/**
 * What the suite can run without: ONNX Runtime (a 75 MB jar) and the charts (XChart, drawn with
 * AWT from {@code java.desktop}) are left out of the bundle that gpu-check.sh carries to a GPU host
 * with a jlinked JRE. Each check says why a part is missing, without loading the part's classes:
 * the classes that use them are only touched once the check has passed.
 */
public final class OptionalLibraries {
    static final String ORT_CLASS = "ai.onnxruntime.OrtEnvironment";
    static final String XCHART_CLASS = "org.knowm.xchart.XYChart";

    private OptionalLibraries() {
    }

    /** Why ONNX Runtime's classes cannot be used here, or null when they are on the class path. */
    public static String onnxRuntimeMissing() {
        return missing(ORT_CLASS, "ONNX Runtime (com.microsoft.onnxruntime:onnxruntime)");
    }

    /** Why the report's charts cannot be drawn here, or null when they can. */
    public static String chartsMissing() {
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) {
            return "this Java runtime has no java.desktop module, which XChart draws with (a jlinked JRE)";
        }
        return missing(XCHART_CLASS, "XChart (org.knowm.xchart:xchart)");
    }

    /** {@code className} looked up without initializing it: null when found, else why not. */
    static String missing(String className, String library) {
        try {
            Class.forName(className, false, OptionalLibraries.class.getClassLoader());
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "no " + library + " on the class path (" + className + " not found)";
        }
    }
}
