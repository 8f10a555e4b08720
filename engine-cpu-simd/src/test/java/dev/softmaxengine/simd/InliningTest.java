package dev.softmaxengine.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No compiled root of the row kernels overflows C2's inlining budget. Past NodeCountInliningCutoff
 * C2 leaves the rest of a root's calls of ours (ld, st, the exp) out of line, their vectors boxed,
 * and the kernel runs 3-30x slower while every result stays right: only the compilation log shows
 * it. This forks a JVM that runs {@link InliningWorkload} with {@code -XX:+LogCompilation} and
 * fails on any call of this package that C2 refused for that reason.
 */
class InliningTest {

    private static final Pattern TASK = Pattern.compile("^<task .*method='([^']*)'");
    private static final Pattern KLASS = Pattern.compile("^<klass id='(\\d+)' name='([^']*)'");
    private static final Pattern METHOD = Pattern.compile("^<method id='(\\d+)' holder='(\\d+)' name='([^']*)'");
    private static final Pattern CALL = Pattern.compile("^<call method='(\\d+)'");
    private static final Pattern FAIL = Pattern.compile("^<inline_fail reason='([^']*)'");

    @Test
    void noRootOfTheRowKernelsOverflowsTheInliningBudget(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("compilation.xml");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UnlockDiagnosticVMOptions", "-XX:+LogCompilation",
                "-XX:LogFile=" + log, "-cp", System.getProperty("java.class.path"),
                InliningWorkload.class.getName(), "1500000"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the workload JVM did not finish in 5 minutes");
        assertEquals(0, p.exitValue(), () -> "the workload JVM failed: " + read(dir.resolve("out.txt")));
        Map<String, Integer> refused = refusedCalls(log);
        assertTrue(refused.isEmpty(), () -> "C2 left calls of the row kernels out of line at NodeCountInliningCutoff"
                + " (root -> callee: times): " + refused);
    }

    /** The log reader finds a refusal, and only one of this package's calls at that cutoff. */
    @Test
    void theLogReaderFindsRefusedCallsOfThisPackageOnly(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("log.xml");
        Files.writeString(log, String.join("\n",
                "<task compile_id='7' method='dev.softmaxengine.simd.FloatRows expPass (Ldev/x;)V' bytes='40'>",
                "<klass id='10' name='dev/softmaxengine/simd/FloatRows' flags='16'/>",
                "<klass id='11' name='jdk/incubator/vector/FloatVector' flags='1'/>",
                "<method id='20' holder='10' name='st' return='1' flags='10' bytes='8'/>",
                "<method id='21' holder='11' name='add' return='1' flags='1' bytes='8'/>",
                "<call method='20' count='100' instr='invokestatic'/>",
                "<inline_fail reason='NodeCountInliningCutoff'/>",
                "<call method='21' count='100' instr='invokevirtual'/>",
                "<inline_fail reason='NodeCountInliningCutoff'/>",
                "<call method='20' count='100' instr='invokestatic'/>",
                "<inline_fail reason='callee is too large'/>",
                "</task>"));
        assertEquals(Map.of("dev.softmaxengine.simd.FloatRows expPass (Ldev/x;)V -> dev/softmaxengine/simd/FloatRows.st", 1),
                refusedCalls(log));
    }

    /** "root -> callee" of every call into this package that C2 refused at NodeCountInliningCutoff. */
    static Map<String, Integer> refusedCalls(Path log) throws IOException {
        Map<String, Integer> refused = new TreeMap<>();
        Map<String, String> klass = new HashMap<>();
        Map<String, String> methods = new HashMap<>();
        String root = "?";
        String callee = null;
        for (String line : Files.readAllLines(log)) {
            Matcher m;
            if ((m = TASK.matcher(line)).find()) {
                root = m.group(1);
                klass.clear();
                methods.clear();
            } else if ((m = KLASS.matcher(line)).find()) {
                klass.put(m.group(1), m.group(2));
            } else if ((m = METHOD.matcher(line)).find()) {
                methods.put(m.group(1), klass.getOrDefault(m.group(2), "?") + "." + m.group(3));
            } else if ((m = CALL.matcher(line)).find()) {
                callee = methods.get(m.group(1));
            } else if ((m = FAIL.matcher(line)).find() && m.group(1).contains("NodeCountInliningCutoff")
                    && callee != null && callee.startsWith("dev/softmaxengine/simd/")) {
                refused.merge(root + " -> " + callee, 1, Integer::sum);
            }
        }
        return refused;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
