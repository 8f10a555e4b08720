package dev.softmaxengine.api;

import java.util.Locale;

/** The operations of the softmax family. */
public enum Op {
    /** exp((x - max) / T) / sum over the axis. */
    SOFTMAX("softmax", false, false),
    /** (x - max) / T - log(sum exp((x - max) / T)) over the axis. */
    LOG_SOFTMAX("log-softmax", false, false),
    /** log(sum exp(x)) over the axis: the log partition function; reduces the axis. */
    LOGSUMEXP("logsumexp", false, true),
    /** 1 / (1 + exp(-x)), elementwise: the 2-class softmax softmax([x, 0])[0]. */
    SIGMOID("sigmoid", true, false),
    /** log(sigmoid(x)) = -softplus(-x), elementwise. */
    LOG_SIGMOID("log-sigmoid", true, false),
    /** One-hot of the first maximum along the axis (ONNX Hardmax). */
    HARDMAX("hardmax", false, false),
    /** Index of the first maximum along the axis, into an int array; reduces the axis. */
    ARGMAX("argmax", false, true),
    /**
     * The k largest entries along the axis, sorted descending, into values (the input's dtype) and
     * INT32 indices; ties go to the lower index and NaN counts as the maximum, as in argmax.
     */
    TOP_K("top-k", false, false),
    /**
     * One draw per row from softmax(x / T) restricted by top-k, top-p and min-p, into INT32 indices
     * (and optionally the draws' log-probabilities); see {@link Sampling}. Reduces the last axis.
     */
    SAMPLE("sample", false, true);

    private final String cliName;
    private final boolean elementwise;
    private final boolean reducing;

    Op(String cliName, boolean elementwise, boolean reducing) {
        this.cliName = cliName;
        this.elementwise = elementwise;
        this.reducing = reducing;
    }

    /**
     * The name used on the command line and in reports, e.g. {@code log-softmax}.
     *
     * @return the lower-case, hyphenated name that {@link #parse(String)} accepts
     */
    public String cliName() {
        return cliName;
    }

    /**
     * True for ops applied to each element on its own ({@link #SIGMOID}, {@link #LOG_SIGMOID}): they take no
     * axis, and their output has the input's shape.
     *
     * @return true for sigmoid and log-sigmoid, which ignore the axis
     */
    public boolean isElementwise() {
        return elementwise;
    }

    /**
     * True for ops whose output drops (or keeps as 1) the axis.
     *
     * @return true for {@link #LOGSUMEXP}, {@link #ARGMAX} and {@link #SAMPLE}
     */
    public boolean isReducing() {
        return reducing;
    }

    /**
     * Parses {@code log-softmax}, {@code log_softmax} or {@code LOG_SOFTMAX}.
     *
     * @param name the op's name in any case, with {@code -} or {@code _}; surrounding whitespace is
     *     ignored
     * @return the op of that name
     * @throws IllegalArgumentException when {@code name} is null or names no op, listing the valid names
     */
    public static Op parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Op op : values()) {
            if (op.cliName.equals(n)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown op '" + name + "'; expected one of softmax, log-softmax, "
                + "logsumexp, sigmoid, log-sigmoid, hardmax, argmax, top-k, sample");
    }
}
