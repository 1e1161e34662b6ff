package dev.gptjt.cli.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gptjt.cli.JsonFields;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * One JSONL line of {@code gptjt send} as a PromptRequest: {@code id}, {@code prompt}, and
 * optionally {@code task}, {@code max_new_tokens}, {@code temperature}, {@code top_k}, {@code top_p},
 * {@code seed}, {@code stop}, {@code deadline_ms} (epoch millis), {@code reply_topic},
 * {@code attributes}. Types are checked here ({@code "max_new_tokens": "abc"} is an error naming the
 * field); the values themselves are the service's to validate.
 */
final class PromptJson {
    private PromptJson() {}

    static PromptRequest parse(JsonNode n, String fallbackId) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode prompt = n.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            throw new IllegalArgumentException("no string \"prompt\"");
        }
        GenerationParams.Builder p = GenerationParams.newBuilder();
        JsonFields.integer(n, "max_new_tokens").ifPresent(p::setMaxNewTokens);
        JsonFields.number(n, "temperature").ifPresent(p::setTemperature);
        JsonFields.integer(n, "top_k").ifPresent(p::setTopK);
        JsonFields.number(n, "top_p").ifPresent(p::setTopP);
        JsonFields.longInteger(n, "seed").ifPresent(p::setSeed);
        JsonFields.texts(n, "stop").ifPresent(p::setStop);
        Map<String, String> attributes = new HashMap<>();
        JsonNode attributeNode = n.get("attributes");
        if (attributeNode != null && !attributeNode.isNull()) {
            if (!attributeNode.isObject()) {
                throw new IllegalArgumentException("attributes must be an object of strings, was " + attributeNode);
            }
            for (var e : (Iterable<Map.Entry<String, JsonNode>>) attributeNode::fields) {
                attributes.put(
                        e.getKey(), JsonFields.text(attributeNode, e.getKey()).orElse(""));
            }
        }
        return PromptRequest.newBuilder()
                .setId(JsonFields.text(n, "id").orElse(fallbackId))
                .setPrompt(prompt.asText())
                .setTask(JsonFields.text(n, "task").orElse(null))
                .setParams(p.build())
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setDeadlineAt(JsonFields.longInteger(n, "deadline_ms")
                        .map(Instant::ofEpochMilli)
                        .orElse(null))
                .setReplyTopic(JsonFields.text(n, "reply_topic").orElse(null))
                .setAttributes(attributes)
                .build();
    }
}
