/**
 * The engine's public API. {@link InferenceEngine}, opened from an {@link EngineConfig}, takes
 * {@link GenerationRequest}s (with their {@link GenerationParams}) and {@link ClassificationRequest}s from any thread
 * and completes them, batched together, with {@link GenerationResult}s and {@link ClassificationResult}s; a
 * {@link PromptPrefix} is a prompt start whose KV cache it keeps, an {@link EngineListener} observes the engine's steps and requests
 * for metrics, and every failure is an {@link EngineException} carrying an {@link ErrorCode}. Callers use only this
 * package and {@code engine.model}, {@code engine.tokenizer} and {@code engine.graph}, never {@code engine.internal}.
 * The engine itself uses ONNX Runtime, Jackson and the ONNX protobufs ({@code ai.onnx.proto}) and nothing of Kafka,
 * Quarkus, Avro, picocli, Tribuo or SmallRye, nor any other module of this project (checked in {@code architecture/}).
 */
package dev.gptjt.engine;
