/**
 * The Quarkus wiring, the service's CDI beans: {@link EngineProducer} builds the instance's one shared engine and wire
 * format, {@link CascadeProducer} the tasks' cascades, and {@link TopologyProducer} the topology after
 * {@code TopicCreator} has created its missing topics; {@link GptjtMetrics} reports the engine's and the topology's
 * metrics to Micrometer, and {@link ServiceReadiness} is the readiness check (model loaded, Kafka Streams running).
 * Uses CDI, MicroProfile Config and Health, Kafka, the engine's API, the tasks, the schemas and the other
 * {@code stream} packages; never the launcher ({@code dev.gptjt.cli}, its tools or the local cluster).
 */
package dev.gptjt.stream.runtime;
