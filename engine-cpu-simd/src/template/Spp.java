import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands Rows.java.template into the row-kernel classes (float / double over arrays / native
 * segments, and bfloat16 over native segments), after the JDK's Spp: {@code $key$} is replaced by the class's value of key, and
 * lines {@code #if[key]}, {@code #else[key]}, {@code #end[key]} keep or drop what they enclose.
 * Keys that are flags: {@code float}, {@code double}, {@code array}, {@code segment}, {@code bf16}.
 *
 * <pre>
 * java engine-cpu-simd/src/template/Spp.java --write   # regenerate after editing the template
 * java engine-cpu-simd/src/template/Spp.java --check   # the build runs this: fails when stale
 * </pre>
 */
public final class Spp {
    private static final Path MODULE = Path.of(System.getProperty("spp.module", "engine-cpu-simd"));
    private static final Path TEMPLATE = MODULE.resolve("src/template/Rows.java.template");
    private static final Path OUT = MODULE.resolve("src/main/java/dev/softmaxengine/simd");
    private static final Pattern KEY = Pattern.compile("\\$([A-Za-z]+)\\$");
    private static final Pattern DIRECTIVE = Pattern.compile("^\\s*#(if|else|end)\\[([a-z0-9]+)]\\s*$");

    record Variant(String className, Set<String> flags, Map<String, String> keys) {
    }

    static List<Variant> variants() {
        List<Variant> v = new ArrayList<>();
        for (boolean f32 : new boolean[] {true, false}) {
            for (boolean array : new boolean[] {true, false}) {
                String type = f32 ? "float" : "double";
                String box = f32 ? "Float" : "Double";
                String name = box + (array ? "Rows" : "SegmentRows");
                v.add(new Variant(name, Set.of(type, array ? "array" : "segment"), Map.ofEntries(
                        Map.entry("Class", name),
                        Map.entry("ArrayClass", box + "Rows"),
                        Map.entry("type", type),
                        Map.entry("Type", box),
                        Map.entry("Vector", box + "Vector"),
                        Map.entry("buf", array ? type + "[]" : "MemorySegment"),
                        Map.entry("xbuf", array ? type + "[]" : "MemorySegment"),
                        Map.entry("dtype", f32 ? "float32" : "float64"),
                        Map.entry("DTYPE", f32 ? "F32" : "F64"),
                        Map.entry("BYTES", box + ".BYTES"),
                        Map.entry("storage", array ? "arrays" : "native segments"))));
            }
        }
        // bfloat16 storage computed in float32: the float32 passes over converting loads and stores.
        v.add(new Variant("BFloat16SegmentRows", Set.of("float", "segment", "bf16"), Map.ofEntries(
                Map.entry("Class", "BFloat16SegmentRows"),
                Map.entry("ArrayClass", "FloatRows"),
                Map.entry("type", "float"),
                Map.entry("Type", "Float"),
                Map.entry("Vector", "FloatVector"),
                Map.entry("buf", "MemorySegment"),
                Map.entry("xbuf", "float[]"),
                Map.entry("dtype", "bfloat16"),
                Map.entry("DTYPE", "I16"),
                Map.entry("BYTES", "Short.BYTES"),
                Map.entry("storage", "native segments"))));
        return v;
    }

    static String expand(String template, Variant v) {
        StringBuilder out = new StringBuilder();
        // Stack of (flag, keeping) for nested #if blocks.
        List<String> open = new ArrayList<>();
        List<Boolean> keep = new ArrayList<>();
        int lineNo = 0;
        for (String line : template.split("\n", -1)) {
            lineNo++;
            Matcher d = DIRECTIVE.matcher(line);
            if (d.matches()) {
                String flag = d.group(2);
                switch (d.group(1)) {
                    case "if" -> {
                        open.add(flag);
                        keep.add(v.flags().contains(flag));
                    }
                    case "else" -> {
                        requireOpen(open, flag, lineNo);
                        keep.set(keep.size() - 1, !keep.getLast());
                    }
                    default -> {
                        requireOpen(open, flag, lineNo);
                        open.removeLast();
                        keep.removeLast();
                    }
                }
                continue;
            }
            if (keep.contains(false)) {
                continue;
            }
            Matcher k = KEY.matcher(line);
            StringBuilder b = new StringBuilder();
            while (k.find()) {
                String value = v.keys().get(k.group(1));
                if (value == null) {
                    throw new IllegalArgumentException("template line " + lineNo + ": unknown key $" + k.group(1) + "$");
                }
                k.appendReplacement(b, Matcher.quoteReplacement(value));
            }
            k.appendTail(b);
            out.append(b).append('\n');
        }
        if (!open.isEmpty()) {
            throw new IllegalArgumentException("template: #if[" + open.getLast() + "] is never closed");
        }
        // split(-1) leaves one empty string after the final newline.
        return out.substring(0, out.length() - 1);
    }

    private static void requireOpen(List<String> open, String flag, int lineNo) {
        if (open.isEmpty() || !open.getLast().equals(flag)) {
            throw new IllegalArgumentException("template line " + lineNo + ": #else/#end[" + flag
                    + "] does not close the innermost #if" + (open.isEmpty() ? "" : "[" + open.getLast() + "]"));
        }
    }

    public static void main(String[] args) throws IOException {
        boolean write = args.length == 1 && args[0].equals("--write");
        if (!write && !(args.length == 1 && args[0].equals("--check"))) {
            System.err.println("usage: java Spp.java --write|--check (run from the repository root, or set -Dspp.module)");
            System.exit(2);
        }
        String template = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        List<String> stale = new ArrayList<>();
        for (Variant v : variants()) {
            Path file = OUT.resolve(v.className() + ".java");
            String text = expand(template, v);
            if (write) {
                Files.writeString(file, text, StandardCharsets.UTF_8);
            } else if (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
                stale.add(file.toString());
            }
        }
        if (!stale.isEmpty()) {
            System.err.println("Spp: " + String.join(", ", stale) + " do not match " + TEMPLATE
                    + ": edit the template, not the generated classes, then run java " + MODULE
                    + "/src/template/Spp.java --write");
            System.exit(1);
        }
        System.out.println("Spp: " + (write ? "wrote" : "checked") + " " + variants().size() + " row-kernel classes from " + TEMPLATE);
    }
}
