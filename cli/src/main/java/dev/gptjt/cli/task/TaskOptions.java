package dev.gptjt.cli;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.cli.Cli;
import dev.gptjt.engine.task.TaskDefinition;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A task run without Kafka: which task, from which settings, on which model, in batches of what size. */
final class TaskOptions {
    @Mixin
    TaskChoice task;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Model directory.")
    Path model;

    @Option(
            names = "--max-batch-size",
            paramLabel = "N",
            defaultValue = "16",
            description = "Most records in one batch (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(
            names = "--batch-formation",
            paramLabel = "HOW",
            defaultValue = "by-length",
            converter = Cli.BatchFormationConverter.class,
            description = {
                "How a batch is chosen from a longer queue: by-length (the oldest and those of nearest prompt-pass",
                "length; less padding) or fifo (default: ${DEFAULT-VALUE})."
            })
    BatchFormation batchFormation;

    /**
     * The engine's settings for {@code records} records submitted at once: {@code --model}, batches of
     * {@code --max-batch-size} formed as {@code --batch-formation} says, 10 ms of max-wait, room for all of them queued.
     */
    EngineConfig engineConfig(int records) {
        return engineConfig(model, maxBatchSize, batchFormation, records);
    }

    /**
     * The task {@code --task} names.
     *
     * @throws CliException when the settings do not define it
     */
    TaskDefinition definition() {
        return task.definition();
    }

    /**
     * The engine's settings for {@code records} records submitted at once: {@code model}, batches of at most
     * {@code maxBatchSize} formed as {@code formation} says, 10 ms of max-wait, room for all of them queued.
     */
    static EngineConfig engineConfig(Path model, int maxBatchSize, BatchFormation formation, int records) {
        return EngineConfig.defaults(model)
                .withBatching(maxBatchSize, Duration.ofMillis(10), Math.max(maxBatchSize, records))
                .withBatchFormation(formation);
    }
}
