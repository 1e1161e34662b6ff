package dev.gptjt.cli;

import picocli.CommandLine.Option;

/** How a command reaches Kafka: the bootstrap servers and the wire format of the records. */
final class KafkaOptions {
    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(
            names = "--wire",
            paramLabel = "single-object|registry",
            defaultValue = "single-object",
            description = "Record encoding: Avro single-object, or registry framing (default: ${DEFAULT-VALUE}).")
    String wire;

    @Option(names = "--registry-url", paramLabel = "URL", description = "Schema registry, with --wire registry.")
    String registryUrl;
}
