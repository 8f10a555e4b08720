package dev.softmaxengine.cli.sequence;

import dev.softmaxengine.cli.BackendOption;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.sequence.ChainInference;
import dev.softmaxengine.models.sequence.Conll2000;
import dev.softmaxengine.models.sequence.ConllSentence;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the sequence commands: data, backend, threads and batch size. */
final class SequenceOptions {
    @Option(names = "--data-dir", description = "Directory with CoNLL-2000 train.txt.gz and test.txt.gz"
            + " (default: ../shared/data/conll2000 from the project root, or -Dconll2000.dir).")
    Path dataDir;

    @Option(names = "--train-sentences", description = "Train on the first N training sentences only (default: all).")
    Integer trainSentences;

    @Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--threads", description = "Threads over sequences (default: the available processors).")
    Integer threads;

    @Option(names = "--batch", defaultValue = "" + ChainInference.DEFAULT_BATCH_SIZE,
            description = "Sequences per kernel call (default: ${DEFAULT-VALUE}).")
    int batch;

    SoftmaxKernel kernel() {
        return backend.create();
    }

    ChainInference inference(SoftmaxKernel kernel) {
        return new ChainInference(kernel, threads == null ? Runtime.getRuntime().availableProcessors() : threads, batch);
    }

    private Path dir() {
        return dataDir != null ? dataDir : Conll2000.directory();
    }

    List<ConllSentence> train() throws IOException {
        List<ConllSentence> all = Conll2000.read(dir().resolve("train.txt.gz"));
        if (trainSentences == null) {
            return all;
        }
        if (trainSentences < 1) {
            throw new IllegalArgumentException("--train-sentences must be >= 1, was " + trainSentences);
        }
        return all.subList(0, Math.min(trainSentences, all.size()));
    }

    List<ConllSentence> test() throws IOException {
        return Conll2000.read(dir().resolve("test.txt.gz"));
    }

    /**
     * CPU seconds this process has used so far, or NaN where the JVM does not say. With other jobs
     * on the machine, CPU time over threads is what the wall time would be on idle cores.
     */
    static double cpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns / 1e9;
        }
        return Double.NaN;
    }

    static long tokens(List<ConllSentence> data) {
        long n = 0;
        for (ConllSentence s : data) {
            n += s.length();
        }
        return n;
    }
}
