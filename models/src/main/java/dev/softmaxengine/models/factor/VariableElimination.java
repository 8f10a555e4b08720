package dev.softmaxengine.models.factor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exact marginals of the Gibbs distribution {@code P(x) = prod_f phi_f(x) / Z} by variable
 * elimination (Koller and Friedman, <i>Probabilistic Graphical Models</i>, algorithm 9.1): reduce
 * every factor on the evidence, then repeatedly multiply the factors that mention one variable and
 * sum it out (a logsumexp on the engine's kernel), until only the query is left; normalizing that
 * is a softmax. The order is chosen greedily, each time eliminating the variable whose product
 * table is smallest (the min-weight heuristic). Stateless between queries.
 */
public final class VariableElimination {
    private final List<Factor> factors;
    private final Set<Variable> variables;

    /**
     * A model of the given factors (at least one).
     *
     * @param factors the factors whose product is the unnormalized distribution; copied
     * @throws IllegalArgumentException when the list is empty or a variable's cardinality disagrees
     */
    public VariableElimination(List<Factor> factors) {
        if (factors == null || factors.isEmpty()) {
            throw new IllegalArgumentException("factors must be a non-empty list");
        }
        Map<String, Variable> byName = new HashMap<>();
        Set<Variable> vars = new LinkedHashSet<>();
        for (Factor f : factors) {
            if (f == null) {
                throw new IllegalArgumentException("factors must not contain null");
            }
            for (Variable v : f.scope()) {
                Variable seen = byName.putIfAbsent(v.name(), v);
                if (seen != null && seen.cardinality() != v.cardinality()) {
                    throw new IllegalArgumentException("variable " + v.name() + " has cardinalities " + seen.cardinality()
                            + " and " + v.cardinality() + " in different factors");
                }
                vars.add(v);
            }
        }
        this.factors = List.copyOf(factors);
        this.variables = vars;
    }

    /**
     * Every variable of the model, in order of first appearance.
     *
     * @return an unmodifiable set
     */
    public Set<Variable> variables() {
        return Collections.unmodifiableSet(variables);
    }

    /**
     * {@code P(query | evidence)} as a normalized factor with its axes in {@code query}'s order.
     *
     * @param query the variables to keep, at least one
     * @param evidence observed values by variable; may be empty
     * @return {@code P(query | evidence)}, normalized
     * @throws IllegalArgumentException when a query variable is unknown, repeated or observed
     * @throws IllegalStateException when the evidence has probability zero
     */
    public Factor marginal(List<Variable> query, Map<Variable, Integer> evidence) {
        if (query == null || query.isEmpty()) {
            throw new IllegalArgumentException("query must name at least one variable");
        }
        Map<Variable, Integer> ev = evidence == null ? Map.of() : evidence;
        Set<Variable> keep = new HashSet<>();
        for (Variable q : query) {
            requireKnown(q, "query");
            if (ev.containsKey(q)) {
                throw new IllegalArgumentException("query variable " + q + " is also evidence");
            }
            if (!keep.add(q)) {
                throw new IllegalArgumentException("query names " + q + " twice");
            }
        }
        return eliminateAllBut(keep, ev).permute(query).normalize();
    }

    /**
     * {@code log sum_x prod_f phi_f(x)} with the evidence clamped: {@code log Z}, or with evidence
     * {@code log Z + log P(evidence)}.
     *
     * @param evidence observed values by variable; may be empty
     * @return the log partition function of the clamped model; {@code -inf} when the evidence is impossible
     */
    public double logPartition(Map<Variable, Integer> evidence) {
        return eliminateAllBut(Set.of(), evidence == null ? Map.of() : evidence).logPartition();
    }

    private void requireKnown(Variable v, String what) {
        if (v == null || !variables.contains(v)) {
            throw new IllegalArgumentException(what + " variable " + v + " is not in the model; it has " + variables);
        }
    }

    /** The product of all factors with the evidence clamped and every variable outside {@code keep} summed out. */
    private Factor eliminateAllBut(Set<Variable> keep, Map<Variable, Integer> evidence) {
        List<Factor> pool = new ArrayList<>();
        for (Factor f : factors) {
            for (Map.Entry<Variable, Integer> e : evidence.entrySet()) {
                requireKnown(e.getKey(), "evidence");
                if (f.contains(e.getKey())) {
                    f = f.reduce(e.getKey(), e.getValue());
                }
            }
            pool.add(f);
        }
        Set<Variable> toEliminate = new LinkedHashSet<>(variables);
        toEliminate.removeAll(keep);
        toEliminate.removeAll(evidence.keySet());
        while (!toEliminate.isEmpty()) {
            Variable next = cheapest(toEliminate, pool);
            List<Factor> touching = new ArrayList<>();
            List<Factor> rest = new ArrayList<>();
            for (Factor f : pool) {
                (f.contains(next) ? touching : rest).add(f);
            }
            Factor product = touching.getFirst();
            for (int i = 1; i < touching.size(); i++) {
                product = product.product(touching.get(i));
            }
            rest.add(product.sumOut(next));
            pool = rest;
            toEliminate.remove(next);
        }
        Factor result = pool.getFirst();
        for (int i = 1; i < pool.size(); i++) {
            result = result.product(pool.get(i));
        }
        return result;
    }

    /** The variable whose elimination builds the smallest table (min-weight), first in order on ties. */
    private static Variable cheapest(Set<Variable> candidates, List<Factor> pool) {
        Variable best = null;
        long bestWeight = Long.MAX_VALUE;
        for (Variable v : candidates) {
            Set<Variable> union = new HashSet<>();
            for (Factor f : pool) {
                if (f.contains(v)) {
                    union.addAll(f.scope());
                }
            }
            long weight = 1;
            for (Variable u : union) {
                weight = Math.min(Long.MAX_VALUE / 64, weight * u.cardinality());
            }
            if (weight < bestWeight) {
                best = v;
                bestWeight = weight;
            }
        }
        return best;
    }
}
