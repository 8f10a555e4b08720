package dev.softmaxengine.spark;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.VectorApi;
import dev.softmaxengine.models.sequence.HiddenMarkovModel;

import org.apache.spark.sql.SparkSession;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernels and models of one executor JVM: each backend's kernel, each (model, backend) pair
 * and each HMM or tagger is made once, on first use by any task, and shared by every task thread after that
 * (engine kernels and classifiers are thread-safe). Nothing here is serialized; tasks carry only a
 * model's bytes and key, and the backend name.
 *
 * <p>The kernels live as long as the JVM and are closed by a shutdown hook, which matters for the
 * GPU backends' contexts; an executor JVM serves one application, so nothing is ever evicted.
 */
public final class ExecutorKernels {
    /** Spark conf key naming the executors' backend: {@code auto} (default), {@code simd}, {@code cuda}, ... */
    public static final String BACKEND_CONF = "spark.softmaxengine.backend";
    /** Where the JVM flags the engine needs go, for the messages that ask for them. */
    static final String JVM_OPTIONS_CONF = "spark.executor.extraJavaOptions (and spark.driver.extraJavaOptions, "
            + "which is the executor in local mode)";

    /** The rank {@code auto} gives simd: a choice below it was made for want of the Vector API. */
    private static final int SIMD_AUTO_RANK = 200;

    private static final System.Logger LOG = System.getLogger(ExecutorKernels.class.getName());
    private static final Map<String, SoftmaxKernel> KERNELS = new ConcurrentHashMap<>();
    private static final Map<String, BatchModel> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, HiddenMarkovModel> HMMS = new ConcurrentHashMap<>();
    private static final Map<String, TaggingModel> TAGGERS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> KERNELS.values().forEach(SoftmaxKernel::close),
                "softmax-engine-spark-close"));
    }

    private ExecutorKernels() {
    }

    /**
     * This JVM's kernel of {@code backend} ({@code auto}: its best usable one).
     *
     * @throws IllegalStateException when the backend is unusable here; for {@code simd} without
     *     {@code jdk.incubator.vector} the message names the Spark conf keys that add it
     * @throws IllegalArgumentException for an unknown backend name
     */
    public static SoftmaxKernel kernel(String backend) {
        return KERNELS.computeIfAbsent(normalize(backend), ExecutorKernels::create);
    }

    /** This JVM's instance of the classifier saved in {@code model}, normalizing on {@code backend}'s kernel. */
    static BatchModel model(SavedModel model, String backend) {
        SoftmaxKernel kernel = kernel(backend);
        return MODELS.computeIfAbsent(model.key() + "@" + kernel.backend(), k -> BatchModel.of(model.load(kernel)));
    }

    /** This JVM's instance of the HMM {@code parameters} describe. */
    static HiddenMarkovModel hmm(HmmParameters parameters) {
        return HMMS.computeIfAbsent(parameters.key(), k -> parameters.model());
    }

    /** This JVM's instance of the tagger saved in {@code model} (taggers hold no kernel; inference brings it). */
    static TaggingModel tagger(SavedModel model) {
        return TAGGERS.computeIfAbsent(model.key(), k -> TaggingModel.read(model.bytes()));
    }

    /**
     * The backend for a transform: {@code explicit} if set, else the session's {@value #BACKEND_CONF},
     * else {@code auto}; checked on the driver to be a backend this application ships (whether it is
     * usable is for each executor to find out).
     */
    static String resolve(String explicit, SparkSession session) {
        String name = explicit != null ? explicit : normalize(session.conf().get(BACKEND_CONF, Backends.AUTO));
        if (name.equals(Backends.AUTO)) {
            return name;
        }
        List<String> known = Backends.all().stream().map(Backends.Status::name).toList();
        if (!known.contains(name)) {
            throw new IllegalArgumentException(BACKEND_CONF + "=" + name + ": unknown backend '" + name
                    + "'; the application's jars have " + known + " (or auto)");
        }
        return name;
    }

    static String normalize(String backend) {
        if (backend == null || backend.isBlank()) {
            throw new IllegalArgumentException(BACKEND_CONF + " must name a backend or auto, was '" + backend + "'");
        }
        return backend.trim().toLowerCase(Locale.ROOT);
    }

    private static SoftmaxKernel create(String backend) {
        boolean vectorApi = VectorApi.available();
        SoftmaxKernel kernel;
        try {
            kernel = Backends.create(backend);
        } catch (IllegalStateException e) {
            if (!vectorApi && backend.equals("simd")) {
                throw new IllegalStateException("backend simd is not usable on this executor: jdk.incubator.vector is not"
                        + " in its module graph; add " + VectorApi.FLAGS
                        + " to " + JVM_OPTIONS_CONF, e);
            }
            throw new IllegalStateException(BACKEND_CONF + "=" + backend + ": " + e.getMessage(), e);
        }
        if (!vectorApi && backend.equals(Backends.AUTO)
                && Backends.status(kernel.backend()).probe().autoRank() < SIMD_AUTO_RANK) {
            LOG.log(System.Logger.Level.WARNING, "softmax-engine: auto chose " + kernel.backend()
                    + " because jdk.incubator.vector is not in this JVM's module graph; for the simd backend add"
                    + " " + VectorApi.FLAGS + " to " + JVM_OPTIONS_CONF);
        }
        LOG.log(System.Logger.Level.INFO, "softmax-engine: " + backend + " kernel on this JVM: " + kernel.backend()
                + ", " + kernel.device());
        return kernel;
    }
}
