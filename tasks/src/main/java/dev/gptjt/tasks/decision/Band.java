package dev.gptjt.tasks.decision;

/**
 * A probability band of a rule: {@code min} inclusive, {@code max} exclusive, except that a band reaching 1 includes
 * 1, so {@code [0.8, 1]} holds 0.8 and 1.0 and {@code [0.5, 0.8)} holds 0.5 but not 0.8. Bands of one label that
 * meet at an edge therefore never both hold it.
 *
 * @param min lowest probability in the band, in [0, 1)
 * @param max the band's upper edge, in (min, 1]
 */
public record Band(double min, double max) {
    public Band {
        if (!(min >= 0 && min <= 1) || !(max >= 0 && max <= 1)) {
            throw new IllegalArgumentException("a band lies in [0, 1], was [" + min + ", " + max + "]");
        }
        if (!(min < max)) {
            throw new IllegalArgumentException("min must be below max, was min " + min + ", max " + max);
        }
    }

    /** Whether {@code probability} is in the band. */
    public boolean contains(double probability) {
        return probability >= min && (probability < max || (max == 1 && probability <= 1));
    }

    /** Whether some probability is in both bands. */
    public boolean overlaps(Band other) {
        return min < other.max && other.min < max;
    }

    @Override
    public String toString() {
        return "[" + min + ", " + max + (max == 1 ? "]" : ")");
    }
}
