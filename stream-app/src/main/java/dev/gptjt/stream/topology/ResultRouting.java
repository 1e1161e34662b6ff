package dev.gptjt.stream.topology;

import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Decision;
import dev.gptjt.tasks.decision.DecisionPolicy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * Where a finished result goes: its result topic (the task's or the request's reply topic) and, for a Classification
 * with a decision, its action's topic, and the audit topic when the task's audit sample picks the record's id.
 *
 * <p>A function of the record and its task's policy alone, applied when the result is forwarded, so an answer from
 * any path (the model, the cascade, an earlier answer rebuilt for this request) routes the same way. The audit pick is
 * made here, by this record's id, and written on every copy ({@code decision.audited}).
 */
final class ResultRouting {
    /** One record to forward and its topic. */
    record Copy(String topic, SpecificRecord value) {}

    /** The copies of one result; {@code action} and {@code audited} say what was decided, for the metrics. */
    record Routed(List<Copy> copies, String task, String action, boolean audited) {
        /** Whether the result was decided by a policy. */
        boolean decided() {
            return action != null;
        }
    }

    private final Map<String, DecisionPolicy> policies;
    private final String auditTopic;

    ResultRouting(Map<String, DecisionPolicy> policies, String auditTopic) {
        this.policies = Map.copyOf(policies);
        this.auditTopic = auditTopic;
    }

    /** The copies of {@code outcome} to forward, the result topic's first; each topic once. */
    Routed route(Dispatcher.Outcome outcome) {
        if (!(outcome.value() instanceof Classification c) || c.getDecision() == null) {
            return new Routed(List.of(new Copy(outcome.topic(), outcome.value())), null, null, false);
        }
        DecisionPolicy policy = policies.get(c.getTask());
        if (policy == null || !policy.actions().contains(c.getDecision().getAction())) {
            // decided by a policy this service no longer has (an earlier answer): its result topic alone
            return new Routed(List.of(new Copy(outcome.topic(), c)), null, null, false);
        }
        boolean audited = policy.audited(c.getId());
        Classification routed = Classification.newBuilder(c)
                .setDecision(
                        Decision.newBuilder(c.getDecision()).setAudited(audited).build())
                .build();
        Set<String> topics = new LinkedHashSet<>();
        topics.add(outcome.topic());
        topics.add(policy.topic(routed.getDecision().getAction()));
        if (audited) {
            topics.add(auditTopic);
        }
        List<Copy> copies = new ArrayList<>();
        topics.forEach(topic -> copies.add(new Copy(topic, routed)));
        return new Routed(List.copyOf(copies), c.getTask(), routed.getDecision().getAction(), audited);
    }
}
