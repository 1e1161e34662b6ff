package dev.gptjt.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How a command reaches Kafka: the bootstrap servers and the wire format of the records. */
public final class KafkaOptions {
    @Mixin
    Bootstrap bootstrap;

    @Mixin
    Wire wire;

    @Option(names = "--registry-url", paramLabel = "URL", description = "Schema registry, with --wire registry.")
    String registryUrl;

    public String bootstrap() {
        return bootstrap.servers;
    }

    public String wire() {
        return wire.format();
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** {@code --wire single-object|registry}: how records are encoded. */
    public static final class Wire {
        @Option(
                names = "--wire",
                paramLabel = "single-object|registry",
                defaultValue = "single-object",
                description = "Record encoding: Avro single-object, or registry framing (default: ${DEFAULT-VALUE}).")
        String format;

        public String format() {
            return format;
        }
    }

    /** {@code --bootstrap HOST:PORT}. */
    public static final class Bootstrap {
        @Option(
                names = "--bootstrap",
                paramLabel = "HOST:PORT",
                defaultValue = "localhost:9092",
                description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
        String servers;

        public String servers() {
            return servers;
        }
    }

    /** {@code --topic TOPIC}: the topic a command writes or reads; each command names its default. */
    public static final class Topic {
        @Option(names = "--topic", paramLabel = "TOPIC", description = "Topic (default: ${DEFAULT-VALUE}).")
        String name;

        public String name() {
            return name;
        }
    }
}
