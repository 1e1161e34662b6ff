package dev.gptjt.tasks.cascade;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A task's cascade: which distilled model answers first, and when.
 *
 * @param model          the directory {@code gptjt distill} wrote
 * @param minProbability a record whose top probability reaches this is answered by the cascade; the
 *                       rest go to GPT-JT
 * @param auditFraction  share of cascade-answered records also sent to GPT-JT (no second result) to
 *                       measure live agreement; 0 turns auditing off
 */
public record CascadeSettings(Path model, double minProbability, double auditFraction) {
    public CascadeSettings {
        Objects.requireNonNull(model, "model");
        if (!(minProbability > 0 && minProbability <= 1)) {
            throw new IllegalArgumentException("cascade.min-probability must be in (0, 1], was " + minProbability);
        }
        if (!(auditFraction >= 0 && auditFraction <= 1)) {
            throw new IllegalArgumentException("cascade.audit-fraction must be in [0, 1], was " + auditFraction);
        }
    }
}
