package dev.gptjt.stream.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

/** The service's own application.properties, read into {@link GptjtConfig} without starting Quarkus. */
public final class TestConfig {
    private TestConfig() {}

    public static GptjtConfig load(Map<String, String> overrides) {
        try {
            SmallRyeConfig config = new SmallRyeConfigBuilder()
                    .withSources(
                            new PropertiesConfigSource(TestConfig.class.getResource("/application.properties"), 100))
                    .withSources(new PropertiesConfigSource(overrides, "test", 200))
                    .withConverter(Duration.class, 200, new DurationConverter())
                    .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                    .withMapping(GptjtConfig.class)
                    .build();
            return config.getConfigMapping(GptjtConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
