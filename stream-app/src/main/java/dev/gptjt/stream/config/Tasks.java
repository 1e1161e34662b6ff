package dev.gptjt.stream.config;

import dev.gptjt.engine.Lane;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.TaskSettings;
import dev.gptjt.tasks.decision.DecisionPolicy;
import java.util.Map;
import java.util.TreeMap;

/** Builds the task definitions from {@code gptjt.tasks.*}, failing at start with the task's name on a bad one. */
public final class Tasks {
    private Tasks() {}

    public static Map<String, TaskDefinition> fromConfig(GptjtConfig config) {
        return TaskSettings.definitions(config.tasks());
    }

    /** Each classify task's decision policy ({@code gptjt.tasks.NAME.decisions.*}) by task name. */
    public static Map<String, DecisionPolicy> policiesFromConfig(GptjtConfig config) {
        return TaskSettings.policies(config.tasks());
    }

    /** Each task's lane ({@code gptjt.tasks.NAME.priority}) for its prompts that ask for none. */
    public static Map<String, Lane> lanesFromConfig(GptjtConfig config) {
        Map<String, Lane> lanes = new TreeMap<>();
        config.tasks().forEach((name, task) -> lanes.put(name, task.priority()));
        return lanes;
    }
}
