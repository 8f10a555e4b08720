package dev.softmaxengine.models.factor;

import dev.softmaxengine.api.Backends;
import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.api.Tensor;
import dev.softmaxengine.models.TestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VariableEliminationTest {
    private static SoftmaxKernel kernel;

    // The network A, B -> C -> D, E -> F, with assorted cardinalities.
    private static final Variable A = new Variable("A", 2);
    private static final Variable B = new Variable("B", 3);
    private static final Variable C = new Variable("C", 2);
    private static final Variable D = new Variable("D", 3);
    private static final Variable E = new Variable("E", 2);
    private static final Variable F = new Variable("F", 2);
    private static final List<Variable> ALL = List.of(A, B, C, D, E, F);

    @BeforeAll
    static void kernel() {
        kernel = Backends.create();
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    /** Random potentials on the network's families: P(A) P(B) P(C|A,B) P(D|C) P(E|C) P(F|D,E), or unnormalized ones. */
    private static List<Factor> network(Random rnd, boolean conditional) {
        List<Factor> fs = new ArrayList<>();
        fs.add(table(rnd, conditional, A));
        fs.add(table(rnd, conditional, B));
        fs.add(table(rnd, conditional, A, B, C));
        fs.add(table(rnd, conditional, C, D));
        fs.add(table(rnd, conditional, C, E));
        fs.add(table(rnd, conditional, D, E, F));
        return fs;
    }

    /** A factor over {@code scope}; when conditional, normalized over the last variable (a CPT). */
    private static Factor table(Random rnd, boolean conditional, Variable... scope) {
        int size = 1;
        for (Variable v : scope) {
            size *= v.cardinality();
        }
        int last = scope[scope.length - 1].cardinality();
        double[] values = FactorTest.positive(rnd, size);
        if (conditional) {
            for (int r = 0; r < size; r += last) {
                double s = 0;
                for (int i = 0; i < last; i++) {
                    s += values[r + i];
                }
                for (int i = 0; i < last; i++) {
                    values[r + i] /= s;
                }
            }
        }
        return Factor.ofValues(kernel, List.of(scope), values);
    }

    /** The unnormalized joint over ALL by plain enumeration: exp of the sum of each factor's log-value. */
    private static double[] bruteForceJoint(List<Factor> fs) {
        int[] card = ALL.stream().mapToInt(Variable::cardinality).toArray();
        int size = 1;
        for (int c : card) {
            size *= c;
        }
        double[] joint = new double[size];
        int[] x = new int[ALL.size()];
        for (int i = 0; i < size; i++) {
            int rest = i;
            for (int v = ALL.size() - 1; v >= 0; v--) {
                x[v] = rest % card[v];
                rest /= card[v];
            }
            double logP = 0;
            for (Factor f : fs) {
                int[] sub = new int[f.scope().size()];
                for (int j = 0; j < sub.length; j++) {
                    sub[j] = x[ALL.indexOf(f.scope().get(j))];
                }
                logP += f.logValue(sub);
            }
            joint[i] = Math.exp(logP);
        }
        return joint;
    }

    /** P(query | evidence) from the brute-force joint, row-major over query. */
    private static double[] bruteForceMarginal(double[] joint, List<Variable> query, Map<Variable, Integer> evidence) {
        int[] card = ALL.stream().mapToInt(Variable::cardinality).toArray();
        int qs = 1;
        for (Variable q : query) {
            qs *= q.cardinality();
        }
        double[] m = new double[qs];
        int[] x = new int[ALL.size()];
        double total = 0;
        for (int i = 0; i < joint.length; i++) {
            int rest = i;
            for (int v = ALL.size() - 1; v >= 0; v--) {
                x[v] = rest % card[v];
                rest /= card[v];
            }
            boolean consistent = true;
            for (Map.Entry<Variable, Integer> e : evidence.entrySet()) {
                consistent &= x[ALL.indexOf(e.getKey())] == e.getValue();
            }
            if (!consistent) {
                continue;
            }
            int idx = 0;
            for (Variable q : query) {
                idx = idx * q.cardinality() + x[ALL.indexOf(q)];
            }
            m[idx] += joint[i];
            total += joint[i];
        }
        for (int i = 0; i < qs; i++) {
            m[i] /= total;
        }
        return m;
    }

    @Test
    void marginalsOfTheSixVariableNetworkEqualBruteForceEnumeration() {
        Random rnd = TestSupport.random("VariableEliminationTest.network");
        for (boolean conditional : new boolean[] {true, false}) {
            List<Factor> fs = network(rnd, conditional);
            VariableElimination ve = new VariableElimination(fs);
            double[] joint = bruteForceJoint(fs);
            double z = 0;
            for (double p : joint) {
                z += p;
            }
            assertEquals(conditional ? 1.0 : z, Math.exp(ve.logPartition(Map.of())), 1e-12 * z);
            List<List<Variable>> queries = List.of(List.of(A), List.of(C), List.of(F), List.of(D, E), List.of(F, A), List.of(B, C, D));
            List<Map<Variable, Integer>> evidences = List.of(Map.of(), Map.of(F, 1), Map.of(D, 2, A, 0), Map.of(C, 1));
            for (List<Variable> q : queries) {
                for (Map<Variable, Integer> ev : evidences) {
                    if (q.stream().anyMatch(ev::containsKey)) {
                        continue;
                    }
                    double[] expected = bruteForceMarginal(joint, q, ev);
                    double[] actual = ve.marginal(q, ev).probabilities();
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], 1e-12, "P(" + q + " | " + ev + ")[" + i + "]");
                    }
                }
            }
            // log Z with evidence is log of the joint mass consistent with it.
            double massF1 = 0;
            int[] card = ALL.stream().mapToInt(Variable::cardinality).toArray();
            for (int i = 0; i < joint.length; i++) {
                if (i % card[5] == 1) {
                    massF1 += joint[i];
                }
            }
            assertEquals(Math.log(massF1), ve.logPartition(Map.of(F, 1)), 1e-12);
        }
    }

    @Test
    void softmaxOfALinearScoreIsTheNormalizedProductOfExpWxFactors() {
        Random rnd = TestSupport.random("VariableEliminationTest.softmax");
        int k = 5;
        int d = 7;
        Variable y = new Variable("Y", k);
        double[][] w = new double[d][k];
        double[] bias = new double[k];
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = rnd.nextGaussian();
            for (int c = 0; c < k; c++) {
                w[j][c] = rnd.nextGaussian();
            }
        }
        for (int c = 0; c < k; c++) {
            bias[c] = rnd.nextGaussian();
        }
        // One factor phi_j(Y) = exp(w_{Y,j} x_j) per feature, plus phi_b(Y) = exp(b_Y).
        List<Factor> factors = new ArrayList<>();
        factors.add(Factor.ofLogValues(kernel, List.of(y), bias));
        double[] score = bias.clone();
        for (int j = 0; j < d; j++) {
            double[] logPhi = new double[k];
            for (int c = 0; c < k; c++) {
                logPhi[c] = w[j][c] * x[j];
                score[c] += logPhi[c];
            }
            factors.add(Factor.ofLogValues(kernel, List.of(y), logPhi));
        }
        double[] fromFactors = new VariableElimination(factors).marginal(List.of(y), Map.of()).probabilities();
        double[] softmax = new double[k];
        kernel.softmax(Tensor.vector(score), Tensor.vector(softmax));
        for (int c = 0; c < k; c++) {
            assertEquals(softmax[c], fromFactors[c], 1e-14);
        }
    }

    @Test
    void badQueriesAreRejected() {
        VariableElimination ve = new VariableElimination(network(new Random(1), true));
        assertEquals("query variable C(2) is also evidence",
                assertThrows(IllegalArgumentException.class, () -> ve.marginal(List.of(C), Map.of(C, 0))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ve.marginal(List.of(new Variable("Z", 2)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ve.marginal(List.of(A, A), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ve.marginal(List.of(A), Map.of(B, 3)));
    }
}
