package dev.gptjt.stream.topology;

import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.PromptRequest;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a decoded PromptRequest before it costs anything: id, prompt, task, reply topic, deadline.
 * Parameter ranges and prompt length are the engine's to check (it knows the model's context).
 */
final class RequestValidator {
    private final Set<String> allowedReplyTopics;
    private final Set<String> tasks;

    private final int maxPromptChars;

    /** @param maxPromptChars longer prompts cannot fit the model's context, and are refused before being stored */
    RequestValidator(Set<String> allowedReplyTopics, Set<String> tasks, int maxPromptChars) {
        this.allowedReplyTopics = allowedReplyTopics;
        this.tasks = tasks;
        this.maxPromptChars = maxPromptChars;
    }

    /** @return the reason to refuse the request, or empty when it may go to the engine */
    Optional<Rejection> check(PromptRequest request, Instant now) {
        if (request.getId() == null || request.getId().isBlank()) {
            return reject(FailureReason.INVALID_ID, "id must be a non-empty string");
        }
        if (request.getPrompt() == null || request.getPrompt().isBlank()) {
            return reject(FailureReason.EMPTY_PROMPT, "prompt is empty or only whitespace");
        }
        if (request.getPrompt().length() > maxPromptChars) {
            // refused before the pending store: a megabyte prompt must not reach its changelog
            return reject(
                    FailureReason.PROMPT_TOO_LONG,
                    "prompt has " + request.getPrompt().length() + " characters; no prompt over " + maxPromptChars
                            + " characters fits the model's context");
        }
        if (request.getTask() != null && !tasks.contains(request.getTask())) {
            return reject(
                    FailureReason.UNKNOWN_TASK,
                    "unknown task '" + request.getTask() + "' (configured: " + new TreeSet<>(tasks) + ")");
        }
        if (request.getReplyTopic() != null && !allowedReplyTopics.contains(request.getReplyTopic())) {
            return reject(
                    FailureReason.REPLY_TOPIC_NOT_ALLOWED,
                    "reply_topic '" + request.getReplyTopic()
                            + "' is not among the topics the service allows (gptjt.topics.allowed-reply-topics)");
        }
        if (request.getDeadlineAt() != null && request.getDeadlineAt().isBefore(now)) {
            return reject(
                    FailureReason.DEADLINE_EXCEEDED,
                    "deadline " + request.getDeadlineAt() + " passed before processing");
        }
        return Optional.empty();
    }

    private static Optional<Rejection> reject(FailureReason reason, String message) {
        return Optional.of(new Rejection(reason, message));
    }
}
