package dev.softmaxengine.cli;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.Op;
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
                "The output appears only when the run succeeds: it is written beside the target and renamed."})
final class ApplyCommand implements Callable<Integer> {

    @Option(names = "--op", required = true, converter = OpConverter.class, completionCandidates = OpNames.class,
            description = "One of ${COMPLETION-CANDIDATES}.")
    Op op;

    @Option(names = "--axis", description = "Axis of the axis ops; negative counts from the end (default: -1, the last).")
    Integer axis;

    @Option(names = "--keepdims", description = "logsumexp and argmax: keep the reduced axis with length 1.")
    boolean keepdims;

    @Option(names = "--temperature", description = "softmax and log-softmax of x / T (default: 1).")
    Double temperature;

    @Option(names = "--dtype", description = "The dtype the input must hold: float32, float64, float16 or bfloat16;"
            + " bfloat16 reads '<u2' or 'V2' data as bfloat16 bits (numpy has no bfloat16). Default: the file's.")
    String dtypeName;

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
        if (temperature != null && op != Op.SOFTMAX && op != Op.LOG_SOFTMAX) {
            throw new IllegalArgumentException("--temperature applies to softmax and log-softmax, not " + op.cliName());
        }
        if (keepdims && !op.isReducing()) {
            throw new IllegalArgumentException("--keepdims applies to logsumexp and argmax, not " + op.cliName());
        }
        if (axis != null && op.isElementwise()) {
            throw new IllegalArgumentException("--axis does not apply to " + op.cliName() + ", which is elementwise");
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
