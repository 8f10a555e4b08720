package dev.softmaxengine.cuda;

import dev.softmaxengine.api.Op;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.softmaxengine.api.DType;
import dev.softmaxengine.api.spi.OpRequest;
import dev.softmaxengine.api.Tensor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The parameters the host passes to each kernel have the types, in the order, that its PTX entry
 * declares: a mismatch would be silent garbage on the GPU, so it is caught here without one.
 */
class KernelParametersTest {
    private static final DeviceLimits SM90 = new DeviceLimits(132, 48 * 1024, 227 * 1024);

    private static Tensor tensor(DType dtype, long... shape) {
        int size = 1;
        for (long d : shape) {
            size *= (int) d;
        }
        return dtype == DType.FLOAT32 ? Tensor.of(new float[size], shape) : Tensor.of(new double[size], shape);
    }

    /** One request per strategy (two for the split, whose finish grid depends on the op). */
    private static List<OpRequest> requests(DType dtype) {
        List<OpRequest> all = new ArrayList<>();
        all.add(OpRequest.of(Op.LOG_SIGMOID, tensor(dtype, 1000), tensor(dtype, 1000)));
        all.add(OpRequest.of(Op.SOFTMAX, tensor(dtype, 7, 100), tensor(dtype, 7, 100), -1, 0.5, false));
        all.add(OpRequest.of(Op.LOG_SOFTMAX, tensor(dtype, 4, 3000), tensor(dtype, 4, 3000), -1, 1, false));
        all.add(OpRequest.of(Op.LOGSUMEXP, tensor(dtype, 300, 5000), tensor(dtype, 300), -1, 1.0, false));
        all.add(OpRequest.of(Op.SOFTMAX, tensor(dtype, 2, 1 << 20), tensor(dtype, 2, 1 << 20), -1, 1, false));
        all.add(OpRequest.of(Op.ARGMAX, tensor(dtype, 2, 1 << 20), Tensor.of(new int[2], 2)));
        all.add(OpRequest.of(Op.HARDMAX, tensor(dtype, 3, 50, 7), tensor(dtype, 3, 50, 7), 1));
        all.add(OpRequest.topK(tensor(dtype, 3, 50, 7), tensor(dtype, 3, 5, 7), Tensor.of(new int[105], 3, 5, 7), 5, 1));
        all.add(OpRequest.sample(tensor(dtype, 4, 300), Tensor.of(new int[4], 4), tensor(dtype, 4),
                new dev.softmaxengine.api.Sampling(0.8, 40, 0.9, 0.05, 7)));
        return all;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void everyLaunchMatchesItsPtxSignature(DType dtype) {
        Set<Strategy> seen = EnumSet.noneOf(Strategy.class);
        CUdeviceptr p = new CUdeviceptr();
        for (OpRequest r : requests(dtype)) {
            LaunchPlan plan = LaunchPlan.of(r.op(), dtype, r.outer(), r.n(), r.inner(), SM90);
            seen.add(plan.strategy());
            for (LaunchPlan.Launch l : plan.launches()) {
                List<String> passed = CudaSoftmaxKernel.parameters(plan, l, r, p, p, p, p).stream()
                        .map(CudaSoftmaxKernel.Param::ptxType).toList();
                assertEquals(declared(plan.strategy().module(), l.function()), passed, r + " -> " + l.function());
            }
        }
        assertEquals(EnumSet.allOf(Strategy.class), seen, "every strategy is covered");
    }

    private static List<String> declared(String module, String function) {
        byte[] ptx = CudaSoftmaxKernel.ptx(module);
        String text = new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII);
        int start = text.indexOf(".entry " + function + "(");
        String params = text.substring(start, text.indexOf(')', start));
        Matcher m = Pattern.compile("\\.param (\\.\\w+) " + Pattern.quote(function) + "_param_(\\d+)").matcher(params);
        List<String> types = new ArrayList<>();
        while (m.find()) {
            assertEquals(types.size(), Integer.parseInt(m.group(2)), function + " parameters in order");
            types.add(m.group(1));
        }
        return types;
    }
}
