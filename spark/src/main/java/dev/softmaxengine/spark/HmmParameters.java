package dev.softmaxengine.spark;

import dev.softmaxengine.models.sequence.HiddenMarkovModel;

import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A {@link HiddenMarkovModel} as it travels to the executors: its probabilities (the models have
 * no file format for HMMs yet) and their SHA-256, the key of each executor's one rebuilt instance.
 * The rebuilt model's log-probabilities are the driver's to within an ulp ({@code log(exp(x))}).
 */
record HmmParameters(String key, double[] start, double[][] transition, double[][] emission) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    static HmmParameters of(HiddenMarkovModel hmm) {
        if (hmm == null) {
            throw new IllegalArgumentException("hmm must not be null");
        }
        int k = hmm.states();
        int v = hmm.symbols();
        double[] start = new double[k];
        double[][] transition = new double[k][k];
        double[][] emission = new double[k][v];
        ByteBuffer bytes = ByteBuffer.allocate(Double.BYTES * (k + k * k + k * v));
        for (int i = 0; i < k; i++) {
            start[i] = Math.exp(hmm.logStart(i));
            bytes.putDouble(start[i]);
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                transition[i][j] = Math.exp(hmm.logTransition(i, j));
                bytes.putDouble(transition[i][j]);
            }
            for (int s = 0; s < v; s++) {
                emission[i][s] = Math.exp(hmm.logEmission(i, s));
                bytes.putDouble(emission[i][s]);
            }
        }
        try {
            String key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
            return new HmmParameters(key, start, transition, emission);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    HiddenMarkovModel model() {
        return HiddenMarkovModel.of(start, transition, emission);
    }

    int states() {
        return start.length;
    }

    int symbols() {
        return emission[0].length;
    }

    @Override
    public String toString() {
        return "HmmParameters[sha256 " + key + ", " + states() + " states x " + symbols() + " symbols]";
    }
}
