package dev.softmaxengine.models.factor;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A discrete factor {@code phi(X1..Xn) >= 0} stored in log space as a dense row-major tensor whose
 * axes are the scope's variables in order (the last varies fastest). A product of factors is an
 * unnormalized Gibbs distribution {@code P(x) = exp(sum log phi(x)) / Z}; the kernel computes its
 * reductions: {@link #sumOut} is logsumexp over the variable's axis, {@link #logPartition} is
 * logsumexp over the whole table, {@link #probabilities} is a softmax over it. Immutable.
 */
public final class Factor {
    private final SoftmaxKernel kernel;
    private final List<Variable> scope;
    private final long[] dims;
    private final double[] logValues;

    private Factor(SoftmaxKernel kernel, List<Variable> scope, double[] logValues) {
        this.kernel = kernel;
        this.scope = List.copyOf(scope);
        this.dims = new long[scope.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = scope.get(i).cardinality();
        }
        this.logValues = logValues;
    }

    /**
     * A factor from its log-values {@code log phi}, row-major over {@code scope} ({@code -inf} = a
     * zero potential).
     *
     *
     * @param kernel the kernel for every sum-out and normalization; not owned
     * @param scope the variables, each once; the first varies slowest
     * @param logValues one per assignment (the product of the cardinalities); copied
     * @return the factor
     * @throws IllegalArgumentException for a repeated variable, a wrong length or a NaN / +inf entry
     */
    public static Factor ofLogValues(SoftmaxKernel kernel, List<Variable> scope, double... logValues) {
        check(kernel, scope, logValues);
        for (int i = 0; i < logValues.length; i++) {
            if (Double.isNaN(logValues[i]) || logValues[i] == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logValues[" + i + "] must be finite or -inf, was " + logValues[i]);
            }
        }
        return new Factor(kernel, scope, logValues.clone());
    }

    /**
     * A factor from its potentials {@code phi >= 0}, row-major over {@code scope}.
     *
     *
     * @param kernel the kernel for every sum-out and normalization; not owned
     * @param scope the variables, each once; the first varies slowest
     * @param values one potential per assignment, at least 0 and finite
     * @return the factor, stored as log-values
     * @throws IllegalArgumentException for a repeated variable, a wrong length or a negative / non-finite entry
     */
    public static Factor ofValues(SoftmaxKernel kernel, List<Variable> scope, double... values) {
        check(kernel, scope, values);
        double[] logs = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] >= 0) || Double.isInfinite(values[i])) {
                throw new IllegalArgumentException("values[" + i + "] must be finite and >= 0, was " + values[i]);
            }
            logs[i] = Math.log(values[i]);
        }
        return new Factor(kernel, scope, logs);
    }

    private static void check(SoftmaxKernel kernel, List<Variable> scope, double[] values) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel must not be null");
        }
        if (scope == null) {
            throw new IllegalArgumentException("scope must not be null");
        }
        Set<String> names = new HashSet<>();
        long size = 1;
        for (Variable v : scope) {
            if (v == null) {
                throw new IllegalArgumentException("scope must not contain null");
            }
            if (!names.add(v.name())) {
                throw new IllegalArgumentException("scope " + scope + " names " + v.name() + " twice");
            }
            size *= v.cardinality();
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("scope " + scope + " has more than " + Integer.MAX_VALUE + " assignments");
            }
        }
        if (values == null || values.length != size) {
            throw new IllegalArgumentException("values has " + (values == null ? "null" : values.length)
                    + " entries, scope " + scope + " needs " + size);
        }
    }

    /**
     * The variables, in axis order.
     *
     * @return an unmodifiable list
     */
    public List<Variable> scope() {
        return scope;
    }

    /**
     * Whether {@code v} is one of the scope's variables.
     *
     * @param v the variable
     * @return true when it is in the scope
     */
    public boolean contains(Variable v) {
        return scope.contains(v);
    }

    /**
     * Number of table entries: the product of the cardinalities.
     *
     * @return at least 1
     */
    public int size() {
        return logValues.length;
    }

    /**
     * The log-values, row-major over the scope.
     *
     * @return a copy; {@code -inf} for a zero potential
     */
    public double[] logValues() {
        return logValues.clone();
    }

    /**
     * {@code log phi} at an assignment, one value per scope variable in order.
     *
     * @param assignment a value in {@code [0, cardinality)} for each scope variable
     * @return the log-potential there
     * @throws IllegalArgumentException for a wrong count or a value out of range
     */
    public double logValue(int... assignment) {
        return logValues[index(assignment)];
    }

    private int index(int[] assignment) {
        if (assignment == null || assignment.length != scope.size()) {
            throw new IllegalArgumentException("assignment must give " + scope.size() + " values for " + scope
                    + ", gave " + (assignment == null ? "null" : assignment.length));
        }
        int idx = 0;
        for (int i = 0; i < assignment.length; i++) {
            int c = scope.get(i).cardinality();
            if (assignment[i] < 0 || assignment[i] >= c) {
                throw new IllegalArgumentException("value of " + scope.get(i).name() + " must be in [0, " + c + "), was "
                        + assignment[i]);
            }
            idx = idx * c + assignment[i];
        }
        return idx;
    }

    /**
     * The factor product {@code phi * psi} (a sum in log space); its scope is this scope then psi's new variables.
     *
     * @param other the factor {@code psi}; shared variables must have the same cardinality
     * @return a new factor
     */
    public Factor product(Factor other) {
        if (other == null) {
            throw new IllegalArgumentException("other must not be null");
        }
        List<Variable> out = new ArrayList<>(scope);
        for (Variable v : other.scope) {
            Variable mine = byName(v.name());
            if (mine == null) {
                out.add(v);
            } else if (mine.cardinality() != v.cardinality()) {
                throw new IllegalArgumentException("variable " + v.name() + " has cardinality " + mine.cardinality()
                        + " here and " + v.cardinality() + " in other");
            }
        }
        int r = out.size();
        int[] card = new int[r];
        int[] strideA = strides(out, this.scope);
        int[] strideB = strides(out, other.scope);
        long size = 1;
        for (int i = 0; i < r; i++) {
            card[i] = out.get(i).cardinality();
            size *= card[i];
        }
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("product scope " + out + " has more than " + Integer.MAX_VALUE + " assignments");
        }
        double[] result = new double[(int) size];
        // Odometer over the product's assignments, tracking the flat index into both operands.
        int[] digit = new int[r];
        int ia = 0;
        int ib = 0;
        for (int i = 0; i < result.length; i++) {
            result[i] = logValues[ia] + other.logValues[ib];
            for (int a = r - 1; a >= 0; a--) {
                if (++digit[a] < card[a]) {
                    ia += strideA[a];
                    ib += strideB[a];
                    break;
                }
                digit[a] = 0;
                ia -= strideA[a] * (card[a] - 1);
                ib -= strideB[a] * (card[a] - 1);
            }
        }
        return new Factor(kernel, out, result);
    }

    /** Stride in {@code of}'s table of each variable of {@code axes} (0 when of does not contain it). */
    private static int[] strides(List<Variable> axes, List<Variable> of) {
        int[] own = new int[of.size()];
        int s = 1;
        for (int i = of.size() - 1; i >= 0; i--) {
            own[i] = s;
            s *= of.get(i).cardinality();
        }
        int[] out = new int[axes.size()];
        for (int i = 0; i < axes.size(); i++) {
            int j = of.indexOf(axes.get(i));
            out[i] = j < 0 ? 0 : own[j];
        }
        return out;
    }

    private Variable byName(String name) {
        for (Variable v : scope) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        return null;
    }

    private int axisOf(Variable v) {
        int a = scope.indexOf(v);
        if (a < 0) {
            throw new IllegalArgumentException("variable " + v + " is not in the scope " + scope);
        }
        return a;
    }

    /**
     * Marginalizes {@code v} out: {@code log sum_v phi}, the kernel's logsumexp over v's axis.
     *
     * @param v a variable of the scope
     * @return a new factor over the other variables
     * @throws IllegalArgumentException when {@code v} is not in the scope
     */
    public Factor sumOut(Variable v) {
        int axis = axisOf(v);
        List<Variable> rest = new ArrayList<>(scope);
        rest.remove(axis);
        double[] out = new double[logValues.length / v.cardinality()];
        kernel.logSumExp(Tensor.of(logValues, dims), Tensor.of(out, reducedDims(axis)), axis, false);
        return new Factor(kernel, rest, out);
    }

    private long[] reducedDims(int axis) {
        long[] d = new long[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i != axis) {
                d[j++] = dims[i];
            }
        }
        return d;
    }

    /**
     * Conditions on evidence {@code v = value}: the slice of the table, without v.
     *
     * @param v a variable of the scope
     * @param value its observed value, in {@code [0, cardinality)}
     * @return a new factor over the other variables
     * @throws IllegalArgumentException when {@code v} is not in the scope or the value is out of range
     */
    public Factor reduce(Variable v, int value) {
        int axis = axisOf(v);
        if (value < 0 || value >= v.cardinality()) {
            throw new IllegalArgumentException("value of " + v.name() + " must be in [0, " + v.cardinality() + "), was " + value);
        }
        int n = v.cardinality();
        int inner = 1;
        for (int i = axis + 1; i < dims.length; i++) {
            inner *= (int) dims[i];
        }
        int outer = logValues.length / (n * inner);
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(logValues, (o * n + value) * inner, out, o * inner, inner);
        }
        List<Variable> rest = new ArrayList<>(scope);
        rest.remove(axis);
        return new Factor(kernel, rest, out);
    }

    /**
     * The same factor with its axes in {@code order} (a permutation of the scope).
     *
     * @param order every scope variable once
     * @return a new factor, or this one when the order is unchanged
     * @throws IllegalArgumentException when {@code order} is not a permutation of the scope
     */
    public Factor permute(List<Variable> order) {
        if (order == null || order.size() != scope.size() || !new HashSet<>(order).equals(new HashSet<>(scope))) {
            throw new IllegalArgumentException("order must be a permutation of " + scope + ", was " + order);
        }
        if (order.equals(scope)) {
            return this;
        }
        // Odometer over `order`'s assignments, reading this table through its strides.
        Factor ordered = new Factor(kernel, order, new double[size()]);
        int[] stride = strides(order, scope);
        int[] card = new int[order.size()];
        for (int i = 0; i < card.length; i++) {
            card[i] = order.get(i).cardinality();
        }
        int[] digit = new int[card.length];
        int src = 0;
        for (int i = 0; i < ordered.logValues.length; i++) {
            ordered.logValues[i] = logValues[src];
            for (int a = card.length - 1; a >= 0; a--) {
                if (++digit[a] < card[a]) {
                    src += stride[a];
                    break;
                }
                digit[a] = 0;
                src -= stride[a] * (card[a] - 1);
            }
        }
        return ordered;
    }

    /**
     * {@code log Z = log sum_x phi(x)}: the kernel's logsumexp over the flattened table.
     *
     * @return {@code log Z}; {@code -inf} when every potential is zero
     */
    public double logPartition() {
        double[] out = new double[1];
        kernel.logSumExp(Tensor.vector(logValues), Tensor.of(out), 0, false);
        return out[0];
    }

    /**
     * {@code Z = sum_x phi(x)}.
     *
     * @return {@code exp(logPartition())}, which may overflow to {@code +inf}
     */
    public double partition() {
        return Math.exp(logPartition());
    }

    /**
     * The Gibbs distribution {@code phi / Z} as a factor, via the kernel's log-softmax over the
     * flattened table.
     *
     * @return a new factor whose potentials sum to 1
     * @throws IllegalStateException when every entry is zero (Z = 0)
     */
    public Factor normalize() {
        requireMass();
        double[] out = new double[logValues.length];
        kernel.logSoftmax(Tensor.vector(logValues), Tensor.vector(out), 0);
        return new Factor(kernel, scope, out);
    }

    /**
     * {@code phi(x) / Z} row-major over the scope: the kernel's softmax over the flattened table.
     *
     * @return a new array of probabilities summing to 1
     */
    public double[] probabilities() {
        requireMass();
        double[] out = new double[logValues.length];
        kernel.softmax(Tensor.vector(logValues), Tensor.vector(out), 0);
        return out;
    }

    private void requireMass() {
        if (logPartition() == Double.NEGATIVE_INFINITY) {
            throw new IllegalStateException("factor over " + scope + " is zero everywhere; it has no distribution");
        }
    }

    @Override
    public String toString() {
        return "Factor" + scope + " " + Arrays.toString(Arrays.stream(logValues).map(Math::exp).toArray());
    }
}
