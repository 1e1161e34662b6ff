/**
 * Picking the next token from one row's logits: {@link Sampler} ({@code Sampler.of(params)}, greedy argmax or
 * sampling) and {@code TopKTopPSampler}, Hugging Face's warper order (temperature, top-k, top-p) with a seeded random
 * generator per row. Plain Java over float arrays, no ONNX Runtime; uses only the engine's {@code GenerationParams}.
 * Internal to the engine.
 */
package dev.gptjt.engine.internal.sampling;
