package dev.softmaxengine.cli;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
import dev.softmaxengine.api.Sampling;
import dev.softmaxengine.api.spi.KernelBackend;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.Shape;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.io.NpyArray;
import dev.softmaxengine.models.io.NpyOutputFile;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code apply}: one op over a {@code .npy} file, written as {@code .npy}. */
@Command(name = "apply",
        mixinStandardHelpOptions = true,
        description = {"Runs one op over a NumPy .npy file (little-endian float32, float64 or float16, C order;"
                + " bfloat16 bits as uint16 or V2 with --dtype bfloat16) and writes the result as .npy in the same"
                + " dtype (argmax: int64 indices, as numpy.argmax).",
                "top-k writes the values to --out and their int64 indices to --indices; sample draws one index per"
                        + " row of the last axis (int64, -1 for a row with a NaN, or at T > 0 a +inf or only -inf),"
                        + " and its log-probabilities to --log-probs when given, in the input's dtype. 16-bit inputs"
                        + " are widened exactly to float32: top-k's values are the input's own elements, and sample"
                        + " draws what the float32 widening draws.",
                "The output appears only when the run succeeds: it is written beside the target and renamed."})
final class ApplyCommand implements Callable<Integer> {

    @Option(names = "--op", required = true, converter = OpConverter.class, completionCandidates = OpNames.class,
            description = "One of ${COMPLETION-CANDIDATES}.")
    Op op;

    @Option(names = "--axis", description = "Axis of the axis ops; negative counts from the end (default: -1, the last).")
    Integer axis;

    @Option(names = "--keepdims", description = "logsumexp and argmax: keep the reduced axis with length 1.")
    boolean keepdims;

    @Option(names = "--temperature", description = "softmax, log-softmax and sample of x / T (default: 1; sample: 0 is argmax).")
    Double temperature;

    @Option(names = "--dtype", description = "The dtype the input must hold: float32, float64, float16 or bfloat16;"
            + " bfloat16 reads '<u2' or 'V2' data as bfloat16 bits (numpy has no bfloat16). Default: the file's.")
    String dtypeName;

    @Option(names = "--k", description = "top-k: how many entries per slice, in [1, axis length].")
    Integer k;

    @Option(names = "--indices", description = "top-k: the int64 indices' .npy file (default: the --out name with"
            + " .indices.npy for .npy).")
    Path indices;

    @Option(names = "--top-k", description = "sample: keep only the k largest entries (default: 0, all).")
    Integer topK;

    @Option(names = "--top-p", description = "sample: keep the smallest prefix of mass >= p, in (0, 1] (default: 1).")
    Double topP;

    @Option(names = "--min-p", description = "sample: keep probabilities >= p times the largest, in [0, 1] (default: 0).")
    Double minP;

    @Option(names = "--seed", description = "sample: the random numbers' key; row r's draw depends on (seed, r) only"
            + " (default: 0).")
    Long seed;

    @Option(names = "--log-probs", description = "sample: also write each draw's log-probability (the input's dtype) here.")
    Path logProbs;

    @Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--in", required = true, description = "Input .npy file.")
    Path in;

    @Option(names = "--out", required = true, description = "Output .npy file (replaced if it exists).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        int a = axis == null ? -1 : axis;
        double t = temperature == null ? 1.0 : temperature;
        // The input first: a bad file is then the only line on stderr, without auto's pass-over log lines.
        DType expected = dtype();
        try (NpyArray input = NpyArray.open(in, expected); SoftmaxKernel kernel = backend.create()) {
            Tensor x = input.tensor();
            long start = System.nanoTime();
            if (op == Op.ARGMAX) {
                argmax(kernel, x, a);
            } else if (op == Op.TOP_K) {
                topK(kernel, x, input.descr(), a);
            } else if (op == Op.SAMPLE) {
                sample(kernel, x, input.descr());
            } else {
                long[] shape = op.isReducing() ? reduced(x.shape(), a) : x.shape().dims();
                try (NpyOutputFile output = NpyOutputFile.create(out, input.descr(), x.dtype().byteSize(), shape)) {
                    KernelBackend.of(kernel).execute(
                            OpRequest.of(op, x, Tensor.of(output.data(), x.dtype(), shape), a, t, keepdims));
                    output.commit();
                }
            }
            double ms = (System.nanoTime() - start) / 1e6;
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: %s of %s %s %s on %s, %.1f ms%n", out, op.cliName(),
                    in, x.shape(), x.dtype().name().toLowerCase(Locale.ROOT), kernel.backend(), ms);
        }
        return 0;
    }

    private DType dtype() {
        if (dtypeName == null) {
            return null;
        }
        return switch (dtypeName.trim().toLowerCase(Locale.ROOT)) {
            case "float32" -> DType.FLOAT32;
            case "float64" -> DType.FLOAT64;
            case "float16" -> DType.FLOAT16;
            case "bfloat16" -> DType.BFLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be float32, float64, float16 or bfloat16, was "
                    + dtypeName);
        };
    }

    /** Options that do not apply to the op are errors rather than silently ignored. */
    private void checkOptions() {
        if (temperature != null && op != Op.SOFTMAX && op != Op.LOG_SOFTMAX && op != Op.SAMPLE) {
            throw new IllegalArgumentException("--temperature applies to softmax, log-softmax and sample, not "
                    + op.cliName());
        }
        if (op == Op.TOP_K && k == null) {
            throw new IllegalArgumentException("top-k needs --k");
        }
        only(Op.TOP_K, "--k", k);
        only(Op.TOP_K, "--indices", indices);
        for (Object[] o : new Object[][] {{"--top-k", topK}, {"--top-p", topP}, {"--min-p", minP}, {"--seed", seed},
                {"--log-probs", logProbs}}) {
            only(Op.SAMPLE, (String) o[0], o[1]);
        }
        if (op == Op.SAMPLE && (keepdims || axis != null)) {
            throw new IllegalArgumentException("sample draws along the last axis; it takes neither --axis nor --keepdims");
        }
        if (keepdims && !op.isReducing()) {
            throw new IllegalArgumentException("--keepdims applies to logsumexp and argmax, not " + op.cliName());
        }
        if (axis != null && op.isElementwise()) {
            throw new IllegalArgumentException("--axis does not apply to " + op.cliName() + ", which is elementwise");
        }
    }

    private void only(Op owner, String option, Object value) {
        if (value != null && op != owner) {
            throw new IllegalArgumentException(option + " applies to " + owner.cliName() + ", not " + op.cliName());
        }
    }

    /** Values in the input's dtype to --out, int64 indices to --indices, each written once the op has succeeded. */
    private void topK(SoftmaxKernel kernel, Tensor x, String descr, int a) throws java.io.IOException {
        if (x.shape().rank() == 0) {
            throw new IllegalArgumentException("in has rank 0; top-k needs rank >= 1");
        }
        int ax = x.shape().normalizeAxis(a);
        long n = x.shape().dim(ax);
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("--k must be in [1, " + n + "] for axis " + a + " of " + x.shape() + ", was " + k);
        }
        long[] shape = x.shape().dims();
        shape[ax] = k;
        long count = Shape.of(shape).size();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("top-k of " + x.shape() + " gives " + count + " indices, more than a Java array holds");
        }
        Path indicesPath = indices != null ? indices : indicesBeside(out);
        int[] idx = new int[(int) count];
        try (NpyOutputFile values = NpyOutputFile.create(out, descr, x.dtype().byteSize(), shape)) {
            kernel.topK(x, Tensor.of(values.data(), x.dtype(), shape), Tensor.of(idx, shape), k, a);
            writeIndices(indicesPath, idx, shape);
            values.commit();
        }
    }

    static Path indicesBeside(Path out) {
        String name = out.getFileName().toString();
        String stem = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return out.resolveSibling(stem + ".indices.npy");
    }

    /** One int64 index per row to --out, log-probabilities to --log-probs when given. */
    private void sample(SoftmaxKernel kernel, Tensor x, String descr) throws java.io.IOException {
        Sampling s = new Sampling(temperature == null ? 1.0 : temperature, topK == null ? 0 : topK,
                topP == null ? 1.0 : topP, minP == null ? 0.0 : minP, seed == null ? 0 : seed);
        long[] shape = reduced(x.shape(), -1);
        long count = Shape.of(shape).size();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("sample of " + x.shape() + " gives " + count + " draws, more than a Java array holds");
        }
        int[] idx = new int[(int) count];
        if (logProbs == null) {
            kernel.sample(x, Tensor.of(idx, shape), null, s);
            writeIndices(out, idx, shape);
            return;
        }
        try (NpyOutputFile lp = NpyOutputFile.create(logProbs, descr, x.dtype().byteSize(), shape)) {
            kernel.sample(x, Tensor.of(idx, shape), Tensor.of(lp.data(), x.dtype(), shape), s);
            writeIndices(out, idx, shape);
            lp.commit();
        }
    }

    private static void writeIndices(Path path, int[] indices, long[] shape) throws java.io.IOException {
        try (NpyOutputFile output = NpyOutputFile.create(path, "<i8", Long.BYTES, shape)) {
            MemorySegment data = output.data();
            for (int i = 0; i < indices.length; i++) {
                data.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, indices[i]);
            }
            output.commit();
        }
    }

    private void argmax(SoftmaxKernel kernel, Tensor x, int a) throws java.io.IOException {
        long[] shape = reduced(x.shape(), a);
        long count = Shape.of(shape).size();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("argmax of " + x.shape() + " gives " + count
                    + " indices, more than a Java array holds");
        }
        int[] indices = new int[(int) count];
        kernel.argmax(x, indices, a);
        try (NpyOutputFile output = NpyOutputFile.create(out, "<i8", Long.BYTES, shape)) {
            MemorySegment data = output.data();
            for (int i = 0; i < indices.length; i++) {
                data.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, indices[i]);
            }
            output.commit();
        }
    }

    /** The output shape of a reducing op, with the checks OpRequest makes later, so that no file is created first. */
    private long[] reduced(Shape shape, int a) {
        if (shape.rank() == 0) {
            throw new IllegalArgumentException("in has rank 0; " + op.cliName() + " needs rank >= 1");
        }
        return shape.reduce(shape.normalizeAxis(a), keepdims).dims();
    }

    static final class OpConverter implements ITypeConverter<Op> {
        @Override
        public Op convert(String value) {
            try {
                return Op.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class OpNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Stream.of(Op.values()).map(Op::cliName).iterator();
        }
    }
}
