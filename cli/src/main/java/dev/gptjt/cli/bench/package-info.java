/**
 * {@code gptjt bench}: {@code bench engine} (the engine alone at fixed batch sizes, optionally with ONNX Runtime's
 * profile), {@code bench pipeline} (the whole Kafka path: end-to-end latency at a fixed rate or as fast as the service
 * takes prompts), {@code bench task} (a task's records per second along each path: whole prompt, cached prefix,
 * classification graph) and {@code bench transfer} (host-device bytes per decoding step, computed from the model's
 * shapes), {@code bench model} (a random GPT-J export of a given shape); results as JSON lines and PNG charts. The
 * commands are their options; the benchmarks themselves are {@code dev.gptjt.tools.bench}'s. Never
 * {@code engine.internal} or the service.
 */
package dev.gptjt.cli.bench;
