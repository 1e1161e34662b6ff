package dev.gptjt.tasks;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.tasks.decision.DecisionPolicy;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The tasks of the service's settings for tools that run them without the service ({@code eval},
 * {@code run}, {@code bench task}): the same {@link TaskSettings} mapping, read as Quarkus reads it — the
 * properties file, then environment variables ({@code GPTJT_TASKS_SENTIMENT_TEMPLATE}) and system
 * properties over it, with a profile's {@code %name.} keys when {@code QUARKUS_PROFILE} (or the
 * {@code quarkus.profile} property) names one.
 */
public final class TaskProperties {
    private TaskProperties() {}

    /** Just the tasks of the {@code gptjt} settings. */
    @ConfigMapping(prefix = "gptjt")
    public interface Root {
        Map<String, TaskSettings> tasks();
    }

    /** @throws EngineException {@link ErrorCode#INVALID_PARAMETER} naming the file and the bad task or value */
    public static Map<String, TaskDefinition> load(Path file) {
        Map<String, TaskSettings> tasks = settings(file);
        try {
            return TaskSettings.definitions(tasks);
        } catch (RuntimeException e) {
            throw new EngineException(ErrorCode.INVALID_PARAMETER, file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tasks' decision policies ({@link TaskSettings#policies}), by task name.
     *
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} naming the file and the bad key
     */
    public static Map<String, DecisionPolicy> policies(Path file) {
        Map<String, TaskSettings> tasks = settings(file);
        try {
            return TaskSettings.policies(tasks);
        } catch (RuntimeException e) {
            throw new EngineException(ErrorCode.INVALID_PARAMETER, file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, TaskSettings> settings(Path file) {
        try {
            SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                    .addDefaultSources() // environment variables and system properties, over the file
                    .withSources(new PropertiesConfigSource(file.toUri().toURL(), 250))
                    .withMapping(Root.class)
                    .withValidateUnknown(false); // the file's other gptjt.* keys are the service's
            String profile = System.getProperty("quarkus.profile", System.getenv("QUARKUS_PROFILE"));
            if (profile != null && !profile.isBlank()) {
                builder.withProfile(profile);
            }
            SmallRyeConfig config = builder.build();
            return config.getConfigMapping(Root.class).tasks();
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INVALID_PARAMETER, file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new EngineException(ErrorCode.INVALID_PARAMETER, file + ": " + e.getMessage(), e);
        }
    }
}
