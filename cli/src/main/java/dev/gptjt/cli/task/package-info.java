/**
 * The task commands: {@code gptjt run} (any task over a JSONL file without Kafka, one result line per input, in input
 * order), {@code gptjt eval} (accuracy, macro-F1 and the confusion matrix with Tribuo, and with {@code --cascade} how
 * much a cascade answers and how often as GPT-JT does) and {@code gptjt distill} (a cascade model trained on GPT-JT's
 * own labels, of a file's texts or of a running service's history). Records run through an engine as the service
 * would run them ({@code dev.gptjt.tools.task}). Uses the tools, the tasks, the engine's API and Tribuo's evaluation;
 * never {@code engine.internal} or the service.
 */
package dev.gptjt.cli.task;
