package dev.softmaxengine.cli.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmaxengine.cli.SoftmaxEngineCli;
import dev.softmaxengine.models.data.Dataset;

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
        assertFalse(score.err().contains("\r"), "no progress frames when stderr is not a terminal: " + score.err());
        List<String> lines = Files.readAllLines(predictions);
        assertEquals(179, lines.size());
        assertEquals("predicted,p_class_0,p_class_1,p_class_2", lines.getFirst());
        assertTrue(lines.get(1).matches("class_[012](,[0-9.E-]+){3}"), lines.get(1));

        Run forced = run("models", "score", "--model", model.toString(), "--data", wine, "--batch", "16", "--progress");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(forced.err().contains("178/178 rows"), "progress bar: " + forced.err());
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

    /** Iris as a user has it: a header of names, an id column, string labels, quoted fields, CRLF. */
    private Path irisNamed(String name, boolean labels) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(shared("tabular/iris.csv")));
        List<String> classes = List.of(lines.getFirst().split(",")).subList(2, 5);
        StringBuilder b = new StringBuilder("\"flower id\",sepal_length,sepal_width,petal_length,petal_width"
                + (labels ? ",species" : "") + "\r\n");
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            b.append("\"f,").append(i).append("\",").append(String.join(",", List.of(f).subList(0, 4)));
            if (labels) {
                b.append(',').append(classes.get(Integer.parseInt(f[4])));
            }
            b.append("\r\n");
        }
        Path p = dir.resolve(name);
        Files.writeString(p, b);
        return p;
    }

    @Test
    void namedCsvWithStringLabelsTrainsScoresAndWritesClassNames() throws IOException {
        Path named = irisNamed("iris_named.csv", true);
        Path model = dir.resolve("iris.smx");
        Run train = run("models", "train", "--data", named.toString(), "--label-col", "species", "--id-col", "flower id",
                "--alpha", "0.01", "--out", model.toString());
        assertEquals(0, train.exit(), train.out() + train.err());
        assertTrue(train.out().contains("120 rows x 4 features, 3 classes"), train.out());
        assertTrue(number(train.out(), "test \\(every 5th row\\): accuracy ([0-9.]+)") >= 0.93, train.out());

        // Scoring a table without labels: the model's feature count picks the numeric columns; no accuracy.
        Path unlabelled = irisNamed("iris_unlabelled.csv", false);
        Path out = dir.resolve("predictions.csv");
        Run score = run("models", "score", "--model", model.toString(), "--data", unlabelled.toString(), "--id-col", "flower id",
                "--out", out.toString());
        assertEquals(0, score.exit(), score.err());
        assertTrue(score.out().contains("scored 150 rows") && score.out().contains("no labels"), score.out());
        List<String> lines = Files.readAllLines(out);
        assertEquals("flower id,predicted,p_setosa,p_versicolor,p_virginica", lines.getFirst());
        assertTrue(lines.get(1).matches("\"f,1\",setosa(,[0-9.E-]+){3}"), lines.get(1));
        assertTrue(lines.get(150).matches("\"f,150\",virginica(,[0-9.E-]+){3}"), lines.get(150));

        // The labelled file again, with the label named: accuracy against the names.
        Run labelled = run("models", "score", "--model", model.toString(), "--data", named.toString(), "--label-col", "species",
                "--top-k", "2", "--out", out.toString());
        assertEquals(0, labelled.exit(), labelled.err());
        assertTrue(number(labelled.out(), "accuracy ([0-9.]+)") >= 0.95, labelled.out());
        lines = Files.readAllLines(out);
        assertEquals("predicted,class_1,p_1,class_2,p_2", lines.getFirst());
        assertTrue(lines.get(1).startsWith("setosa,setosa,0.9"), lines.get(1));

        // The model keeps the training table's column names: a table with its columns in another order and
        // an extra numeric column is read by name, with the same predictions.
        StringBuilder shuffled = new StringBuilder("petal_width,age,\"flower id\",petal_length,sepal_width,sepal_length\n");
        for (String line : Files.readAllLines(unlabelled).subList(1, 151)) {
            String[] f = line.split(",");  // "f,i",sl,sw,pl,pw: the quoted id splits in two
            shuffled.append(String.join(",", f[5], "42", f[0] + "," + f[1], f[4], f[3], f[2])).append('\n');
        }
        Path reordered = dir.resolve("reordered.csv");
        Files.writeString(reordered, shuffled);
        Path out2 = dir.resolve("predictions2.csv");
        Run byName = run("models", "score", "--model", model.toString(), "--data", reordered.toString(), "--id-col", "flower id",
                "--out", out2.toString());
        assertEquals(0, byName.exit(), byName.err());
        Run plain = run("models", "score", "--model", model.toString(), "--data", unlabelled.toString(), "--id-col", "flower id",
                "--out", out.toString());
        assertEquals(0, plain.exit(), plain.err());
        assertEquals(Files.readAllLines(out), Files.readAllLines(out2));

        Run eval = run("models", "eval", "--model", model.toString(), "--data", named.toString(), "--label-col", "species");
        assertEquals(0, eval.exit(), eval.err());
        assertTrue(eval.out().contains("virginica"), eval.out());
    }

    @Test
    void badRowsNameFileLineAndColumnAndLeaveNoOutput() throws IOException {
        Path model = dir.resolve("iris.smx");
        assertEquals(0, run("models", "train", "--data", shared("tabular/iris.csv"), "--out", model.toString()).exit());
        StringBuilder b = new StringBuilder("a;b;c;d\n");
        for (int i = 0; i < 3000; i++) {
            b.append(i == 2500 ? "1;2;x3;4" : "5.1;3.5;1.4;0.2").append('\n');
        }
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, b);
        Path out = dir.resolve("sub").resolve("p.csv");
        Files.createDirectories(out.getParent());
        Run r = run("models", "score", "--model", model.toString(), "--data", bad.toString(), "--out", out.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals("softmax-engine: error: " + bad + ":2502:3: column 'c' is not a number: 'x3'", r.err().strip());
        // The first two batches were scored and written before the bad row: nothing of them is left.
        try (var left = Files.list(out.getParent())) {
            assertEquals(List.of(), left.toList());
        }

        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, "a,b,c,d\n1,2,3,4\n1,2,3\n");
        r = run("models", "score", "--model", model.toString(), "--data", ragged.toString());
        assertEquals(2, r.exit());
        assertEquals("softmax-engine: error: " + ragged + ":3: has 3 fields, the first line has 4", r.err().strip());
    }

    @Test
    void npyFeaturesAndLabelsTrainAndScore() throws IOException {
        Dataset iris = dev.softmaxengine.models.data.TabularCsv.read(Path.of(shared("tabular/iris.csv")));
        Path x = dir.resolve("x.npy");
        Files.write(x, dev.softmaxengine.cli.NpyTestFiles.float32(iris.x(), iris.rows(), iris.features()));
        String[] names = new String[iris.rows()];
        for (int i = 0; i < names.length; i++) {
            names[i] = iris.classNames().get(iris.labels()[i]);
        }
        Path y = dir.resolve("y.npy");
        Files.write(y, dev.softmaxengine.cli.NpyTestFiles.unicode(names));
        Path model = dir.resolve("m.smx");
        Run train = run("models", "train", "--data", x.toString(), "--labels", y.toString(), "--out", model.toString());
        assertEquals(0, train.exit(), train.out() + train.err());
        assertTrue(number(train.out(), "test \\(every 5th row\\): accuracy ([0-9.]+)") >= 0.93, train.out());
        Run score = run("models", "score", "--model", model.toString(), "--data", x.toString(), "--labels", y.toString());
        assertEquals(0, score.exit(), score.err());
        assertTrue(number(score.out(), "accuracy ([0-9.]+)") >= 0.95, score.out());

        Path ints = dir.resolve("y_int.npy");
        long[] l = new long[iris.rows()];
        for (int i = 0; i < l.length; i++) {
            l[i] = iris.labels()[i];
        }
        Files.write(ints, dev.softmaxengine.cli.NpyTestFiles.int64(l));
        Run wrongClasses = run("models", "score", "--model", model.toString(), "--data", x.toString(), "--labels", ints.toString());
        assertEquals(2, wrongClasses.exit());
        assertTrue(wrongClasses.err().contains(ints + ": element 0: label '0' is not one of the model's classes [setosa,"),
                wrongClasses.err());
    }

    @Test
    void onnxModelsScoreAndImport() throws IOException {
        Path onnx = Path.of("..", "models", "src", "test", "resources", "onnx", "iris_scaler_logreg_zipmap.onnx");
        Path out = dir.resolve("p.csv");
        Run score = run("models", "score", "--model", onnx.toString(), "--data", shared("tabular/iris.csv"), "--out", out.toString());
        assertEquals(0, score.exit(), score.err());
        assertTrue(number(score.out(), "accuracy ([0-9.]+)") >= 0.95, score.out());
        assertEquals("predicted,p_setosa,p_versicolor,p_virginica", Files.readAllLines(out).getFirst());

        Path smx = dir.resolve("iris.smx");
        Run imported = run("models", "import", "--onnx", onnx.toString(), "--out", smx.toString());
        assertEquals(0, imported.exit(), imported.err());
        assertTrue(imported.out().contains("softmax-regression, 3 classes [setosa, versicolor, virginica] x 4 features"),
                imported.out());
        Path again = dir.resolve("again.csv");
        assertEquals(0, run("models", "score", "--model", smx.toString(), "--data", shared("tabular/iris.csv"), "--out",
                again.toString()).exit());
        assertEquals(Files.readAllLines(out), Files.readAllLines(again));

        Run mlp = run("models", "import", "--onnx", onnx.resolveSibling("digits_mlp_unsupported.onnx").toString(), "--out",
                dir.resolve("mlp.smx").toString());
        assertEquals(2, mlp.exit());
        assertTrue(mlp.err().contains("unsupported ONNX op 'Relu'"), mlp.err());
        assertFalse(Files.exists(dir.resolve("mlp.smx")));
    }

    @Test
    void npyWeightsImportInEitherLayout() throws IOException {
        // Two features, three classes: W [classes, features] and its transpose give the same model.
        float[] w = {1, -1, 0, 2, -3, 0.5f};
        float[] wt = {1, 0, -3, -1, 2, 0.5f};
        Path wFile = dir.resolve("w.npy");
        Path wtFile = dir.resolve("wt.npy");
        Path bFile = dir.resolve("b.npy");
        Files.write(wFile, dev.softmaxengine.cli.NpyTestFiles.float32(w, 3, 2));
        Files.write(wtFile, dev.softmaxengine.cli.NpyTestFiles.float32(wt, 2, 3));
        Files.write(bFile, dev.softmaxengine.cli.NpyTestFiles.float32(new float[] {0.1f, 0.2f, 0.3f}, 3));
        Path a = dir.resolve("a.smx");
        Path b = dir.resolve("b.smx");
        Run r = run("models", "import", "--weights", wFile.toString(), "--bias", bFile.toString(), "--classes", "cat,dog,eel",
                "--out", a.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, run("models", "import", "--weights", wtFile.toString(), "--transpose", "--bias", bFile.toString(),
                "--classes", "cat,dog,eel", "--out", b.toString()).exit());
        try (var kernel = dev.softmaxengine.api.Backends.create("scalar")) {
            var ma = (dev.softmaxengine.models.linear.SoftmaxRegression) dev.softmaxengine.models.Classifiers.load(a, kernel);
            var mb = (dev.softmaxengine.models.linear.SoftmaxRegression) dev.softmaxengine.models.Classifiers.load(b, kernel);
            assertEquals(List.of("cat", "dog", "eel"), ma.classNames());
            org.junit.jupiter.api.Assertions.assertArrayEquals(ma.weights(), mb.weights());
            double[] p = new double[3];
            ma.probabilities(new float[] {1, 2}, 0, 1, p);
            // scores: 1-2+0.1, 0+4+0.2, -3+1+0.3 = -0.9, 4.2, -1.7 (in float32 weights and bias)
            double[] s = {(double) 1f - 2f + 0.1f, 4 + (double) 0.2f, -3 + 1 + (double) 0.3f};
            double z = Math.exp(s[0]) + Math.exp(s[1]) + Math.exp(s[2]);
            for (int c = 0; c < 3; c++) {
                assertEquals(Math.exp(s[c]) / z, p[c], 1e-15);
            }
        }
        Run wrong = run("models", "import", "--weights", wFile.toString(), "--classes", "a,b", "--out", dir.resolve("c.smx").toString());
        assertEquals(2, wrong.exit());
        assertTrue(wrong.err().contains("--classes names 2 classes, the weights have 3 rows"), wrong.err());
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

    /** Sizes from options or files that used to end in an OutOfMemoryError and a stack trace (issue 17). */
    @Test
    void hostileSizesAreOneLineAndExitStatusTwoWithNoOutput() throws IOException {
        Path model = dir.resolve("iris.smx");
        assertEquals(0, run("models", "train", "--data", shared("tabular/iris.csv"), "--out", model.toString()).exit());
        Path out = Files.createDirectory(dir.resolve("hostile")).resolve("p.csv");

        Run batch = run("models", "score", "--model", model.toString(), "--data", shared("tabular/iris.csv"),
                "--batch", "100000000", "--out", out.toString());
        assertEquals(2, batch.exit(), batch.err());
        assertEquals(1, batch.err().lines().count(), batch.err());
        assertTrue(batch.err().startsWith("softmax-engine: error: --batch = 100000000 rows of 4 features"), batch.err());

        Path zero = Path.of("/dev/zero");
        if (Files.exists(zero)) {
            Run device = run("models", "score", "--model", zero.toString(), "--data", shared("tabular/iris.csv"));
            assertEquals(2, device.exit(), device.err());
            assertEquals("softmax-engine: error: /dev/zero: not a regular file", device.err().strip());
        }

        Path declared = Files.writeString(dir.resolve("declares.csv"), "2000000000,2,setosa,versicolor\n1,2,0\n3,4,1\n");
        Run rows = run("models", "train", "--data", declared.toString(), "--out", dir.resolve("m2.smx").toString());
        assertEquals(2, rows.exit(), rows.err());
        assertEquals("softmax-engine: error: " + declared + ": header declares 2000000000 rows, file has 2", rows.err().strip());

        Path outDir = Files.createDirectory(dir.resolve("existing-dir"));
        Run intoDir = run("models", "train", "--data", shared("tabular/iris.csv"), "--out", outDir.toString());
        assertEquals(2, intoDir.exit(), intoDir.err());
        assertEquals("softmax-engine: error: --out " + outDir + ": is a directory", intoDir.err().strip());
        assertEquals("", intoDir.out(), "refused before training");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }
        try (var left = Files.list(out.getParent())) {
            assertEquals(List.of(), left.toList());
        }
    }
}
