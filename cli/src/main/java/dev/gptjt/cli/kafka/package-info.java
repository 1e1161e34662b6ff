/**
 * The Kafka commands: {@code gptjt broker} (a single-node KRaft broker in the foreground), {@code gptjt send} (JSONL
 * prompts to PromptRequest records), {@code gptjt tail} (any record of this project's schemas as one JSON line),
 * {@code gptjt verdict} (a reviewer's ReviewVerdict record, which {@code gptjt distill --from-topic} takes over
 * GPT-JT's label through {@link dev.gptjt.cli.kafka.HistoryReader}) and {@code gptjt demo} (a broker, the packaged
 * service and the model card's examples on one machine), with the helpers they share. The broker and the service
 * process are the local cluster's ({@code dev.gptjt.cluster}). Uses the Kafka clients, Avro, the schemas, the tasks
 * and the engine's API; runs the service as a process, never its classes.
 */
package dev.gptjt.cli.kafka;
