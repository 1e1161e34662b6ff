/**
 * The engine without Kafka: {@code gptjt generate} (JSONL prompts in, completions out, in input order),
 * {@code gptjt tokenize} (GPT-2 BPE token ids of texts) and {@code gptjt convert} (a model directory's in-graph
 * graphs, {@code greedy_search.onnx} and {@code classify.onnx}, and int4 quantization). Uses the engine's API,
 * {@code engine.model}, {@code engine.tokenizer} and {@code engine.graph} and the root package's options; no Kafka,
 * never {@code engine.internal} or the service.
 */
package dev.gptjt.cli.engine;
