package dev.softmaxengine.models.factor;

/**
 * A discrete random variable: a name, unique within a model, and its number of values
 * {@code 0 .. cardinality-1}. Equal by name and cardinality.
 *
 * @param name the variable's name, not blank
 * @param cardinality its number of values, at least 1
 */
public record Variable(String name, int cardinality) {
    /**
     * A variable, checked.
     *
     * @param name the variable's name, not blank
     * @param cardinality its number of values, at least 1
     * @throws IllegalArgumentException when the name is blank or the cardinality below 1
     */
    public Variable {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must be a non-blank string, was " + name);
        }
        if (cardinality < 1) {
            throw new IllegalArgumentException("cardinality of " + name + " must be >= 1, was " + cardinality);
        }
    }

    @Override
    public String toString() {
        return name + "(" + cardinality + ")";
    }
}
