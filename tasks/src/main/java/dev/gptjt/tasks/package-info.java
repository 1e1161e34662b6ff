/**
 * What users ask of GPT-JT, for the service and the launcher alike: {@link TaskDefinition}, a named few-shot template
 * with its mode (generate, classify or extract), labels, result topic and defaults; {@link TaskSettings}, one task's
 * typed {@code gptjt.tasks.NAME.*} settings, which {@link TaskProperties} reads without Quarkus as the service does;
 * {@link EntityParser}, which turns an extract task's completion into entities; and {@link DefaultTopics}. Uses the
 * engine's API and SmallRye Config; nothing of Kafka, Avro, Quarkus or picocli, nor the schemas or either front end.
 */
package dev.gptjt.tasks;
