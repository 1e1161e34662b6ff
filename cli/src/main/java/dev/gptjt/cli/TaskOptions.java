package dev.gptjt.cli;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.cli.Cli;
import dev.gptjt.engine.task.TaskDefinition;
import dev.gptjt.engine.task.TaskProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** A task run without Kafka: which task, from which settings, on which model, in batches of what size. */
final class TaskOptions {
    @Option(
            names = "--task",
            required = true,
            paramLabel = "NAME",
            description = "A task of the service's settings (gptjt.tasks.NAME.*).")
    String task;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Model directory.")
    Path model;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            converter = Cli.PathConverter.class,
            description = "The service's settings, where the tasks are defined (default: its application.properties).")
    Path config;

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
        return EngineConfig.defaults(model)
                .withBatching(maxBatchSize, Duration.ofMillis(10), Math.max(maxBatchSize, records))
                .withBatchFormation(batchFormation);
    }

    /**
     * The task {@code --task} names.
     *
     * @throws CliException when the settings do not define it
     */
    TaskDefinition definition() {
        return definition(task, config);
    }

    /**
     * Task {@code name} of the settings file {@code config} (null: the service's application.properties).
     *
     * @throws CliException when the settings do not define it
     */
    static TaskDefinition definition(String task, Path config) {
        Path file = config != null
                ? config
                : Path.of(System.getProperty(
                        "gptjt.config",
                        Cli.homePath("stream-app/src/main/resources/application.properties")
                                .toString()));
        Map<String, TaskDefinition> tasks = TaskProperties.load(file);
        TaskDefinition t = tasks.get(task);
        if (t == null) {
            throw new CliException("unknown task '" + task + "' (configured in " + file + ": " + tasks.keySet() + ")");
        }
        return t;
    }
}
