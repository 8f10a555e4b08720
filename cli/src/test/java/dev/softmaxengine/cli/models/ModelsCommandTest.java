package dev.softmaxengine.cli.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.cli.SoftmaxEngineCli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** The models job and {@code models train | eval | score} on the shared iris and wine sets. */
class ModelsCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cmd = SoftmaxEngineCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** shared/data sits next to the checkout: ../shared/data from the root, ../../shared/data from a module. */
    private static String shared(String relative) {
        List<Path> tried = List.of(Path.of("..", "shared", "data", relative), Path.of("..", "..", "shared", "data", relative));
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("dataset " + relative + " not found at " + tried.stream().map(p -> p.toAbsolutePath().normalize()).toList());
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theJobTrainsEveryModelAndReportsAccuracyAndThroughput() {
        Run r = run("models", "--data", shared("tabular/digits.csv.gz"));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("1438 training rows, 359 test rows (every 5th), 64 features, 10 classes"), r.out());
        assertTrue(number(r.out(), "(?m)^softmax regression +[0-9.]+ +([0-9.]+)") >= 0.96, r.out());
        for (String model : List.of("multinomial naive Bayes", "Bernoulli naive Bayes", "Gaussian naive Bayes")) {
            assertTrue(Pattern.compile("(?m)^" + model + " +[0-9.]+ +[0-9.]+ +[0-9.]+$").matcher(r.out()).find(), r.out());
        }
        assertTrue(number(r.out(), "([0-9]+) rows/s in memory") > 0, r.out());
        assertTrue(r.out().contains("rows/s streaming all 1797 rows of the file"), r.out());
    }

    @Test
    void trainSaveEvalAndScoreAgree() throws IOException {
        String wine = shared("tabular/wine_data.csv");
        Path model = dir.resolve("wine.smx");
        Run train = run("models", "train", "--data", wine, "--alpha", "0.01", "--out", model.toString());
        assertEquals(0, train.exit(), train.out() + train.err());
        double testAccuracy = number(train.out(), "test \\(every 5th row\\): accuracy ([0-9.]+)");
        assertTrue(testAccuracy >= 0.94, train.out());
        assertTrue(train.out().contains("saved softmax-regression to " + model), train.out());

        Run eval = run("models", "eval", "--model", model.toString(), "--data", wine, "--holdout", "5");
        assertEquals(0, eval.exit(), eval.err());
        assertEquals(testAccuracy, number(eval.out(), "35 rows: accuracy ([0-9.]+)"), 0, eval.out());
        assertTrue(eval.out().contains("class_0"), eval.out());

        Path predictions = dir.resolve("p.csv");
        Run score = run("models", "score", "--model", model.toString(), "--data", wine, "--batch", "16",
                "--out", predictions.toString());
        assertEquals(0, score.exit(), score.err());
        assertTrue(score.out().contains("scored 178 rows of " + wine), score.out());
        assertTrue(number(score.out(), "([0-9]+) rows/s end to end") > 0, score.out());
        assertTrue(score.err().contains("178/178 rows"), "progress bar: " + score.err());
        List<String> lines = Files.readAllLines(predictions);
        assertEquals(179, lines.size());
        assertEquals("label,predicted,p_class_0,p_class_1,p_class_2", lines.getFirst());
        assertTrue(lines.get(1).matches("0,[012](,[0-9.e-]+){3}"), lines.get(1));
    }

    @Test
    void naiveBayesAndLogisticTrainFromTheCommandLine() {
        Run nb = run("models", "train", "--data", shared("tabular/iris.csv"), "--model", "gaussian-nb");
        assertEquals(0, nb.exit(), nb.err());
        assertTrue(number(nb.out(), "test \\(every 5th row\\): accuracy ([0-9.]+)") >= 0.9, nb.out());
        Run lr = run("models", "train", "--data", shared("tabular/breast_cancer.csv"), "--model", "logistic", "--alpha", "0.25");
        assertEquals(0, lr.exit(), lr.err());
        assertTrue(number(lr.out(), "test \\(every 5th row\\): accuracy ([0-9.]+)") >= 0.95, lr.out());
        assertTrue(lr.out().contains("L-BFGS: "), lr.out());
    }

    @Test
    void badInputIsOneLineAndExitStatusTwo() {
        Run unknown = run("models", "train", "--data", shared("tabular/iris.csv"), "--model", "forest");
        assertEquals(2, unknown.exit());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
        assertTrue(unknown.err().contains("'forest' is not a model"), unknown.err());

        Path missing = dir.resolve("nope.csv");
        Run absent = run("models", "train", "--data", missing.toString());
        assertEquals(2, absent.exit());
        assertEquals("softmax-engine: error: " + missing + ": no such file", absent.err().strip());

        Run logistic = run("models", "train", "--data", shared("tabular/iris.csv"), "--model", "logistic");
        assertEquals(2, logistic.exit());
        assertTrue(logistic.err().contains("exactly 2 classes"), logistic.err());

        Run split = run("models", "train", "--data", "fashion-mnist:validation");
        assertEquals(2, split.exit());
        assertTrue(split.err().contains("the Fashion-MNIST split must be train or t10k, was 'validation'"), split.err());
    }
}
