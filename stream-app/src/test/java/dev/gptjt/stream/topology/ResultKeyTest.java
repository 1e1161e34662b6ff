package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.tasks.TaskDefinition;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A result key changes with everything that decides the answer, and with nothing else. */
class ResultKeyTest {
    private static final TaskDefinition TASK = new TaskDefinition(
            "t",
            "Q: {input}\nA:",
            TaskDefinition.Mode.CLASSIFY,
            List.of("yes", "no"),
            "out",
            16,
            List.of(),
            false,
            null,
            null,
            List.of());
    private static final GenerationParams GREEDY = GenerationParams.DEFAULTS.withMaxNewTokens(8);

    private static PromptRequest request(String id, String text) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setTask("t")
                .setPrompt(text)
                .setCreatedAt(Instant.EPOCH)
                .build();
    }

    private static String key(PromptRequest r, TaskDefinition task, GenerationParams p, String sha, String policy) {
        return ResultKey.of(r, task, p, sha, policy, null).orElseThrow().hex();
    }

    @Test
    void shouldKeyTwoRequestsWithTheSameInputsAlikeWhateverTheirIdsAndTopics() {
        assertEquals(
                key(request("a", "x"), TASK, GREEDY, "m", "v1"),
                key(
                        PromptRequest.newBuilder(request("b", "x"))
                                .setReplyTopic("elsewhere")
                                .build(),
                        TASK,
                        GREEDY,
                        "m",
                        "v1"));
    }

    @Test
    void shouldKeyApartEverythingThatDecidesTheAnswer() {
        TaskDefinition otherLabels = new TaskDefinition(
                "t",
                "Q: {input}\nA:",
                TaskDefinition.Mode.CLASSIFY,
                List.of("yes", "no", "maybe"),
                "out",
                16,
                List.of(),
                false,
                null,
                null,
                List.of());
        Set<String> keys = Set.of(
                key(request("a", "x"), TASK, GREEDY, "m", "v1"),
                key(request("a", "x "), TASK, GREEDY, "m", "v1"),
                key(request("a", "x"), otherLabels, GREEDY, "m", "v1"),
                key(request("a", "x"), TASK, GREEDY, "another model", "v1"),
                key(request("a", "x"), TASK, GREEDY, "m", "v2"),
                key(request("a", "x"), TASK, GREEDY, "m", null));
        assertEquals(6, keys.size());
        PromptRequest raw =
                PromptRequest.newBuilder(request("a", "x")).setTask(null).build();
        assertNotEquals(
                key(raw, null, GREEDY, "m", null),
                key(raw, null, GenerationParams.DEFAULTS.withMaxNewTokens(9), "m", null));
    }

    @Test
    void shouldNotKeyASampledGeneration() {
        PromptRequest raw =
                PromptRequest.newBuilder(request("a", "x")).setTask(null).build();
        GenerationParams sampled = GREEDY.withSampling(0.7, 0, 1.0, 42L);
        assertTrue(ResultKey.of(raw, null, sampled, "m", null, null).isEmpty());
    }
}
