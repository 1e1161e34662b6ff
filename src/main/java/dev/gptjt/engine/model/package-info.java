/**
 * The model directory: {@link ModelDirectory}, a Hugging Face Optimum export of a GPT-J decoder with past
 * ({@code model.onnx} and its external weights, {@code config.json}, {@code vocab.json}, {@code merges.txt}) and the
 * names of the graphs {@code gptjt convert} writes beside it, and {@link ModelConfig}, the architecture values read
 * from {@code config.json}. Reads JSON with Jackson; uses only {@code EngineException} and {@code ErrorCode} of the
 * engine's API.
 */
package dev.gptjt.engine.model;
