package dev.gptjt.cli.task;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.TaskProperties;
import dev.gptjt.tasks.decision.DecisionPolicy;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which task, from which settings: {@code --task NAME [--config FILE]}. */
public final class TaskChoice {
    @Option(
            names = "--task",
            required = true,
            paramLabel = "NAME",
            description = "A task of the service's settings (gptjt.tasks.NAME.*).")
    String name;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            converter = Cli.PathConverter.class,
            description = "The service's settings, where the tasks are defined (default: its application.properties).")
    Path config;

    /**
     * The task {@code --task} names, read as the service reads it.
     *
     * @throws CliException when the settings do not define it
     */
    public TaskDefinition definition() {
        Path file = file();
        Map<String, TaskDefinition> tasks = TaskProperties.load(file);
        TaskDefinition t = tasks.get(name);
        if (t == null) {
            throw new CliException("unknown task '" + name + "' (configured in " + file + ": " + tasks.keySet() + ")");
        }
        return t;
    }

    /** The task's decision policy ({@code gptjt.tasks.NAME.decisions.*}), if it has one. */
    public Optional<DecisionPolicy> policy() {
        return Optional.ofNullable(TaskProperties.policies(file()).get(name));
    }

    private Path file() {
        return config != null
                ? config
                : Path.of(System.getProperty(
                        "gptjt.config",
                        Cli.homePath("stream-app/src/main/resources/application.properties")
                                .toString()));
    }
}
