package dev.gptjt.cli.task;

import dev.gptjt.cli.CliException;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.decision.DecisionPolicy;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;

/** A task run without Kafka: which task, from which settings, on which model, batched how. */
public final class TaskOptions {
    @Mixin
    TaskChoice task;

    @Mixin
    ModelOption model;

    @Mixin
    EngineOptions.Batching batching;

    /** The model directory {@code --model} names (required). */
    public Path model() {
        return model.required();
    }

    public EngineOptions.Batching batching() {
        return batching;
    }

    /** The engine's settings for {@code records} records submitted at once, on {@code --model}. */
    public EngineConfig engineConfig(int records) {
        return engineConfig(model(), records);
    }

    /** The engine's settings for {@code records} records submitted at once, on {@code dir}. */
    public EngineConfig engineConfig(Path dir, int records) {
        return batching.applyTo(EngineConfig.defaults(dir), records);
    }

    /**
     * The task {@code --task} names.
     *
     * @throws CliException when the settings do not define it
     */
    public TaskDefinition definition() {
        return task.definition();
    }

    /** The task's decision policy, if its settings give it one. */
    public Optional<DecisionPolicy> policy() {
        return task.policy();
    }
}
