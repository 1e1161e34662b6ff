/**
 * Task runs without Kafka, as the service would run them: {@link dev.gptjt.tools.task.TaskRunner} (JSON lines in,
 * one result per input, in order), {@link dev.gptjt.tools.task.Agreement} (how two runs of a task answered the same
 * records) and {@link dev.gptjt.tools.task.CascadeEval} (how much a cascade answers, and how often as GPT-JT does).
 * Behind {@code gptjt run}, {@code eval} and {@code bench task}. Uses the tasks and the engine's API.
 */
package dev.gptjt.tools.task;
