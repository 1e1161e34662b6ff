package dev.gptjt.stream.config;

import dev.gptjt.engine.task.DefaultTopics;
import dev.gptjt.engine.task.TaskDefinition;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the task definitions from {@code gptjt.tasks.*}, failing at start with the task's name on a bad one. */
public final class Tasks {
    private Tasks() {}

    public static Map<String, TaskDefinition> fromConfig(GptjtConfig config) {
        Map<String, TaskDefinition> tasks = new TreeMap<>();
        config.tasks().forEach((name, t) -> {
            try {
                tasks.put(
                        name,
                        new TaskDefinition(
                                name,
                                t.template(),
                                t.mode(),
                                t.labels().orElse(List.of()),
                                t.topic().orElse(DefaultTopics.results(name)),
                                t.maxNewTokens(),
                                t.stop().orElse(List.of()),
                                t.lengthNormalized()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gptjt.tasks." + name + ": " + e.getMessage(), e);
            }
        });
        return tasks;
    }
}
