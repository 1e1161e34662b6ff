package dev.gptjt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSONL line of {@code gptjt send} as a PromptRequest: {@code id}, {@code prompt}, and
 * optionally {@code task}, {@code max_new_tokens}, {@code temperature}, {@code top_k}, {@code top_p},
 * {@code seed}, {@code stop}, {@code deadline_ms} (epoch millis), {@code reply_topic},
 * {@code attributes}. Values are passed as they are: the service, not the client, validates them.
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
        if (has(n, "max_new_tokens")) {
            p.setMaxNewTokens(n.get("max_new_tokens").asInt());
        }
        if (has(n, "temperature")) {
            p.setTemperature(n.get("temperature").asDouble());
        }
        if (has(n, "top_k")) {
            p.setTopK(n.get("top_k").asInt());
        }
        if (has(n, "top_p")) {
            p.setTopP(n.get("top_p").asDouble());
        }
        if (has(n, "seed")) {
            p.setSeed(n.get("seed").asLong());
        }
        if (has(n, "stop")) {
            List<String> stop = new ArrayList<>();
            if (n.get("stop").isArray()) {
                n.get("stop").forEach(s -> stop.add(s.asText()));
            } else {
                stop.add(n.get("stop").asText());
            }
            p.setStop(stop);
        }
        Map<String, String> attributes = new HashMap<>();
        if (has(n, "attributes")) {
            n.get("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asText()));
        }
        return PromptRequest.newBuilder()
                .setId(has(n, "id") ? n.get("id").asText() : fallbackId)
                .setPrompt(prompt.asText())
                .setTask(has(n, "task") ? n.get("task").asText() : null)
                .setParams(p.build())
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setDeadlineAt(has(n, "deadline_ms") ? Instant.ofEpochMilli(n.get("deadline_ms").asLong()) : null)
                .setReplyTopic(has(n, "reply_topic") ? n.get("reply_topic").asText() : null)
                .setAttributes(attributes)
                .build();
    }

    private static boolean has(JsonNode n, String field) {
        return n.has(field) && !n.get(field).isNull();
    }
}
