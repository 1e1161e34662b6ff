/**
 * The Kafka commands: {@code gptjt broker} (a single-node KRaft broker in the foreground), {@code gptjt send} (JSONL
 * prompts to PromptRequest records), {@code gptjt tail} (any record of this project's schemas as one JSON line) and
 * {@code gptjt demo} (a broker, the packaged service and the model card's examples on one machine), with the helpers
 * they share. {@link KafkaBroker}, a KRaft broker from the Kafka jars in a child JVM, and {@link ServiceProcess}, the
 * packaged Quarkus service in its own JVM, are public: the service's delivery tests use them too. Uses the Kafka
 * clients and broker, Avro, the schemas, the tasks and the engine's API; runs the service as a process, never its
 * classes.
 */
package dev.gptjt.cli.kafka;
