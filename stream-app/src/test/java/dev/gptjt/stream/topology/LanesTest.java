package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.engine.Lane;
import dev.gptjt.schema.Priority;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lane of a record: its request's priority, else the bulk topic's, else its task's, else realtime. */
class LanesTest {
    private final Lanes lanes = new Lanes("bulk", Map.of("backfill", Lane.BULK, "live", Lane.REALTIME));

    @Test
    void shouldTakeTheRequestsPriorityOverTopicAndTask() {
        assertEquals(Lane.REALTIME, lanes.of(pending("bulk", "backfill", Priority.REALTIME)));
        assertEquals(Lane.BULK, lanes.of(pending("prompts", "live", Priority.BULK)));
    }

    @Test
    void shouldRunWhatTheBulkTopicBringsInTheBulkLaneWhateverItsTask() {
        assertEquals(Lane.BULK, lanes.of(pending("bulk", null, null)));
        assertEquals(Lane.BULK, lanes.of(pending("bulk", "live", null)));
    }

    @Test
    void shouldFallBackToTheTasksPriorityThenRealtime() {
        assertEquals(Lane.BULK, lanes.of(pending("prompts", "backfill", null)));
        assertEquals(Lane.REALTIME, lanes.of(pending("prompts", "live", null)));
        assertEquals(Lane.REALTIME, lanes.of(pending("prompts", "unlisted", null)));
        assertEquals(Lane.REALTIME, lanes.of(pending("prompts", null, null)));
    }

    private static PendingPrompt pending(String topic, String task, Priority priority) {
        return PendingPrompt.newBuilder()
                .setRequest(PromptRequest.newBuilder()
                        .setId("x")
                        .setPrompt("Hi")
                        .setTask(task)
                        .setPriority(priority)
                        .setCreatedAt(Instant.EPOCH)
                        .build())
                .setTopic(topic)
                .setPartition(0)
                .setOffset(0)
                .setReceivedAt(Instant.EPOCH)
                .build();
    }
}
