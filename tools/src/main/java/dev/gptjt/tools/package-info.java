/**
 * What the launcher's benchmark, model-making and task commands run, off the service's classpath: the engine
 * benchmark and its tables ({@code bench}), the pipeline benchmark against a local cluster, span and transfer
 * figures, charts; task runs, their agreement and cascade evaluation ({@code task}); the GPT-J export writer that
 * makes benchmark models and test fixtures ({@code model}). Uses the engine's public API,
 * the tasks, the schemas and the local cluster; never the launcher's commands (picocli) or the service.
 */
package dev.gptjt.tools;
