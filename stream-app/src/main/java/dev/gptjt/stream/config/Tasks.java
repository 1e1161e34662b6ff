package dev.gptjt.stream.config;

import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.TaskSettings;
import java.util.Map;

/** Builds the task definitions from {@code gptjt.tasks.*}, failing at start with the task's name on a bad one. */
public final class Tasks {
    private Tasks() {}

    public static Map<String, TaskDefinition> fromConfig(GptjtConfig config) {
        return TaskSettings.definitions(config.tasks());
    }
}
