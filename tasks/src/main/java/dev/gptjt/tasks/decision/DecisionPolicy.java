package dev.gptjt.tasks.decision;

import dev.gptjt.tasks.DefaultTopics;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A classify task's decision policy ({@code gptjt.tasks.NAME.decisions.*}): ordered rules of a label and a
 * probability {@link Band} to an action; the first rule whose label's probability is in its band decides, else the
 * default action. Each action has a topic the decided records are also written to, and a fraction of all decisions
 * (picked by {@link AuditSampler}) is copied to the audit topic.
 *
 * <p>Refused when built, each message starting with the key at fault below {@code gptjt.tasks.NAME.}: a blank version;
 * no actions, a repeated one or one that cannot be in a topic's name; a rule, the default or a topics key naming an
 * action not in {@code actions}; two bands of one label that overlap, or a label's bands not listed from the highest
 * down (so a policy reads as a ladder per label); an audit fraction outside [0, 1]. That a rule's label is one of the
 * task's is checked by {@link #checkLabels}.
 *
 * @param task          the task's name
 * @param version       the policy's version, written on every decided record (e.g. 2026-12-07)
 * @param actions       every action the policy may take, in the order they are listed
 * @param rules         the rules, tried in order
 * @param defaultAction the action when no rule matches
 * @param topics        the topic of each action's decisions
 * @param auditFraction share of decisions copied to the audit topic, in [0, 1]
 */
public record DecisionPolicy(
        String task,
        String version,
        List<String> actions,
        List<DecisionRule> rules,
        String defaultAction,
        Map<String, String> topics,
        double auditFraction) {
    /** Kafka's topic name characters: an action is part of its default topic's name. */
    private static final Pattern ACTION = Pattern.compile("[A-Za-z0-9._-]+");

    public DecisionPolicy {
        Objects.requireNonNull(task, "task");
        if (version == null || version.isBlank()) {
            throw new IllegalArgumentException("decisions.version: must not be blank");
        }
        actions = List.copyOf(actions);
        rules = List.copyOf(rules);
        topics = Map.copyOf(topics);
        if (actions.isEmpty()) {
            throw new IllegalArgumentException("decisions.actions: must list every action the policy may take");
        }
        Set<String> seen = new HashSet<>();
        for (String action : actions) {
            if (!ACTION.matcher(action).matches()) {
                throw new IllegalArgumentException("decisions.actions: '" + action
                        + "' is not a valid action (letters, digits, '.', '_' and '-': it names a topic)");
            }
            if (!seen.add(action)) {
                throw new IllegalArgumentException("decisions.actions: '" + action + "' is listed twice");
            }
        }
        checkAction("decisions.default-action", defaultAction, actions);
        for (int i = 0; i < rules.size(); i++) {
            checkAction("decisions.rules[" + i + "].action", rules.get(i).action(), actions);
            checkLadder(rules, i);
        }
        for (String action : topics.keySet()) {
            checkAction("decisions.topics." + action, action, actions);
        }
        for (String action : actions) {
            if (!topics.containsKey(action)) {
                throw new IllegalArgumentException("decisions.topics." + action + ": the action has no topic");
            }
        }
        if (!(auditFraction >= 0 && auditFraction <= 1)) {
            throw new IllegalArgumentException("decisions.audit-fraction: must be in [0, 1], was " + auditFraction);
        }
    }

    /**
     * A policy whose actions' topics are {@code overrides} where given, else {@link DefaultTopics#decisions}.
     *
     * @throws IllegalArgumentException starting with the key at fault, an override's naming an unknown action among
     *     them
     */
    public static DecisionPolicy of(
            String task,
            String version,
            List<String> actions,
            List<DecisionRule> rules,
            String defaultAction,
            Map<String, String> overrides,
            double auditFraction) {
        for (String action : overrides.keySet()) {
            checkAction("decisions.topics." + action, action, actions);
        }
        Map<String, String> topics = new LinkedHashMap<>();
        for (String action : actions) {
            topics.put(action, overrides.getOrDefault(action, DefaultTopics.decisions(task, action)));
        }
        return new DecisionPolicy(task, version, actions, rules, defaultAction, topics, auditFraction);
    }

    private static void checkAction(String key, String action, List<String> actions) {
        if (!actions.contains(action)) {
            throw new IllegalArgumentException(
                    key + ": '" + action + "' is not one of the policy's actions (" + String.join(", ", actions) + ")");
        }
    }

    /** Rule {@code i}'s band against the earlier bands of its label: none overlaps, each lies below the last. */
    private static void checkLadder(List<DecisionRule> rules, int i) {
        DecisionRule rule = rules.get(i);
        for (int j = i - 1; j >= 0; j--) {
            DecisionRule earlier = rules.get(j);
            if (!earlier.label().equals(rule.label())) {
                continue;
            }
            String key = "decisions.rules[" + i + "]";
            if (rule.band().overlaps(earlier.band())) {
                throw new IllegalArgumentException(key + ": its band " + rule.band() + " overlaps rule " + j + "'s "
                        + earlier.band() + " of the same label '" + rule.label() + "'");
            }
            if (rule.band().min() >= earlier.band().max()) {
                throw new IllegalArgumentException(key + ": its band " + rule.band() + " lies above rule " + j + "'s "
                        + earlier.band() + " of the same label '" + rule.label()
                        + "'; list a label's bands from the highest down");
            }
            return; // the earlier rule was itself checked against those before it
        }
    }

    /**
     * @throws IllegalArgumentException {@code decisions.rules[i].label: ...} for the first rule naming a label the
     *     task does not have
     */
    public void checkLabels(List<String> taskLabels) {
        for (int i = 0; i < rules.size(); i++) {
            String label = rules.get(i).label();
            if (!taskLabels.contains(label)) {
                throw new IllegalArgumentException("decisions.rules[" + i + "].label: '" + label
                        + "' is not one of the task's labels (" + String.join(", ", taskLabels) + ")");
            }
        }
    }

    /**
     * The first rule whose label's probability is in its band, else the default action.
     *
     * @param labels        the task's labels
     * @param probabilities each label's probability, in the same order
     */
    public PolicyDecision decide(List<String> labels, List<Double> probabilities) {
        if (labels.size() != probabilities.size()) {
            throw new IllegalArgumentException(
                    labels.size() + " labels but " + probabilities.size() + " probabilities");
        }
        for (int i = 0; i < rules.size(); i++) {
            DecisionRule rule = rules.get(i);
            int at = labels.indexOf(rule.label());
            if (at < 0) {
                continue; // checkLabels refuses such a policy at start
            }
            double p = probabilities.get(at);
            if (rule.band().contains(p)) {
                return new PolicyDecision(rule.action(), i, rule.label(), p);
            }
        }
        return PolicyDecision.byDefault(defaultAction);
    }

    /** The topic of {@code action}'s decisions. */
    public String topic(String action) {
        String topic = topics.get(action);
        if (topic == null) {
            throw new IllegalArgumentException("'" + action + "' is not one of the policy's actions " + actions);
        }
        return topic;
    }

    /** The policy's audit sample. */
    public AuditSampler sampler() {
        return new AuditSampler(task, auditFraction);
    }

    /** Whether the record with this id is in the audit sample ({@link AuditSampler}). */
    public boolean audited(String recordId) {
        return sampler().audited(recordId);
    }
}
