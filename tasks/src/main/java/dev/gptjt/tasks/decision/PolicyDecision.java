package dev.gptjt.tasks.decision;

import java.util.Objects;

/**
 * What a policy decided for one classification.
 *
 * @param action      the action taken
 * @param rule        index of the matched rule in the policy's list, from 0; null when none matched and the default
 *                    action applies
 * @param label       the matched rule's label; null for the default action
 * @param probability the matched label's probability, as the band read it; null for the default action
 */
public record PolicyDecision(String action, Integer rule, String label, Double probability) {
    public PolicyDecision {
        Objects.requireNonNull(action, "action");
        if ((rule == null) != (label == null) || (rule == null) != (probability == null)) {
            throw new IllegalArgumentException(
                    "a matched rule has an index, a label and a probability; a default none");
        }
    }

    /** The default action: no rule matched. */
    static PolicyDecision byDefault(String action) {
        return new PolicyDecision(action, null, null, null);
    }

    /** True when no rule matched. */
    public boolean isDefault() {
        return rule == null;
    }
}
