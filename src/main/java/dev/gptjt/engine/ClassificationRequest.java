package dev.gptjt.engine;

import java.util.List;
import java.util.Objects;

/**
 * Scores every allowed continuation (label) of a prompt; the answer is always one of them.
 *
 * @param id               the caller's id
 * @param prompt           the prompt, ending where a label would follow
 * @param labels           continuation texts exactly as they would follow the prompt (with their
 *                         leading space, e.g. {@code " joy"}), at least one, no duplicates
 * @param lengthNormalized score a label by its mean token log-probability instead of the sum
 */
public record ClassificationRequest(String id, String prompt, List<String> labels, boolean lengthNormalized) {
    public ClassificationRequest {
        Objects.requireNonNull(prompt, "prompt");
        labels = List.copyOf(labels);
    }
}
