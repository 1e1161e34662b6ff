/**
 * The service's configuration: {@link GptjtConfig}, every {@code gptjt.*} setting as a SmallRye config mapping;
 * {@link ConfigValidator}, the cross-field rules checked at start so that a bad setting fails fast and says why;
 * {@link Tasks}, which builds the task definitions from {@code gptjt.tasks.*}; and {@link PendingStore}, the kind of
 * store that keeps pending prompts. Uses SmallRye Config, the engine's API, the tasks and the schemas; never the
 * launcher ({@code dev.gptjt.cli}, its tools or the local cluster).
 */
package dev.gptjt.stream.config;
