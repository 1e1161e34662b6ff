package dev.gptjt.tasks.decision;

import java.util.Objects;

/**
 * One rule of a policy: when {@code label}'s probability is in {@code band}, take {@code action}.
 *
 * @param label  one of the task's labels
 * @param band   the probabilities the rule matches
 * @param action one of the policy's actions
 */
public record DecisionRule(String label, Band band, String action) {
    public DecisionRule {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(band, "band");
        Objects.requireNonNull(action, "action");
    }
}
