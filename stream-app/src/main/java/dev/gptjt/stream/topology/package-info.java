/**
 * The Kafka Streams topology, independent of Quarkus so that tests build exactly what production runs.
 * {@link PromptTopology} builds it: {@code PromptProcessor} decodes and validates each prompt
 * ({@code RequestValidator}), keeps it in the changelogged pending store, submits it to the engine in its lane
 * ({@code Lanes}) through {@code Dispatcher}, whose futures carry a cancel on to the engine's ({@code Stages}), and
 * forwards results from a wall-clock punctuator as {@link Outbound} records;
 * {@link ResultFactory} builds the Avro results, {@link Rejection} says why a prompt gets a dead letter,
 * {@link TaskCascades} scores the tasks' cascades off the stream threads, {@link TopologyMetrics} is what it reports
 * and {@link TopologySettings} what it needs to know. Uses Kafka Streams, Avro, the engine's API, the tasks and the
 * schemas; no Quarkus or CDI, and never the launcher ({@code dev.gptjt.cli}, its tools or the local cluster).
 */
package dev.gptjt.stream.topology;
