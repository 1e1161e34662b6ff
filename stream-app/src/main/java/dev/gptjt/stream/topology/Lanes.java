package dev.gptjt.stream.topology;

import dev.gptjt.engine.Lane;
import dev.gptjt.schema.Priority;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import java.util.Map;

/**
 * The engine lane of a stored prompt, from the most specific word on it: the request's own {@code priority}, else
 * BULK when it was read from the bulk prompts topic, else its task's {@code priority}, else REALTIME.
 */
final class Lanes {
    private final String bulkPromptsTopic;
    private final Map<String, Lane> taskLanes;

    Lanes(String bulkPromptsTopic, Map<String, Lane> taskLanes) {
        this.bulkPromptsTopic = bulkPromptsTopic;
        this.taskLanes = Map.copyOf(taskLanes);
    }

    Lanes(TopologySettings settings) {
        this(settings.bulkPromptsTopic(), settings.taskLanes());
    }

    Lane of(PendingPrompt pending) {
        PromptRequest request = pending.getRequest();
        if (request.getPriority() != null) {
            return request.getPriority() == Priority.BULK ? Lane.BULK : Lane.REALTIME;
        }
        if (bulkPromptsTopic.equals(pending.getTopic())) {
            return Lane.BULK;
        }
        if (request.getTask() != null) {
            return taskLanes.getOrDefault(request.getTask(), Lane.REALTIME);
        }
        return Lane.REALTIME;
    }
}
