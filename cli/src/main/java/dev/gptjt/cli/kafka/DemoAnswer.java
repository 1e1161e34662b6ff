package dev.gptjt.cli.kafka;

import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Entity;
import dev.gptjt.schema.Extraction;
import dev.gptjt.schema.LabelProbability;
import dev.gptjt.schema.PromptFailure;
import java.time.Instant;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;

/**
 * Any result record reduced to what the demo prints: its answer in one line, its decision (the action its task's
 * policy took, "-" for none), latency and batch size.
 */
record DemoAnswer(String id, String answer, String decision, long latencyMs, int batchSize) {
    /** The decision column of a record no policy decided. */
    static final String UNDECIDED = "-";

    /** @return null for a record that is no result */
    static DemoAnswer of(SpecificRecord value) {
        if (value instanceof Completion c) {
            return new DemoAnswer(
                    c.getId(),
                    c.getText().strip(),
                    UNDECIDED,
                    latency(c.getRequestCreatedAt(), c.getCreatedAt()),
                    c.getBatchSize());
        }
        if (value instanceof Classification c) {
            double p = c.getScores().stream()
                    .filter(s -> s.getLabel().equals(c.getLabel()))
                    .mapToDouble(LabelProbability::getProbability)
                    .findFirst()
                    .orElse(Double.NaN);
            return new DemoAnswer(
                    c.getId(),
                    String.format("%s (p=%.2f)", c.getLabel(), p),
                    c.getDecision() == null ? UNDECIDED : c.getDecision().getAction(),
                    latency(c.getRequestCreatedAt(), c.getCreatedAt()),
                    c.getBatchSize());
        }
        if (value instanceof Extraction x) {
            String entities =
                    x.getEntities().stream().map(Entity::getText).collect(Collectors.joining(" | ", "[", "]"));
            return new DemoAnswer(
                    x.getId(),
                    entities,
                    UNDECIDED,
                    latency(x.getRequestCreatedAt(), x.getCreatedAt()),
                    x.getBatchSize());
        }
        if (value instanceof PromptFailure f && f.getId() != null) {
            return new DemoAnswer(f.getId(), "failed: " + f.getReason() + " " + f.getMessage(), UNDECIDED, -1, 1);
        }
        return null;
    }

    private static long latency(Instant from, Instant to) {
        return to.toEpochMilli() - from.toEpochMilli();
    }
}
