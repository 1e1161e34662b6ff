/**
 * The cascade: a small classifier distilled from GPT-JT that answers a classify task's confident records first.
 * {@link Distiller} trains it with Tribuo (logistic regression over hashed word and character n-grams,
 * {@code HashedTextPipeline}) on GPT-JT's own labels and exports it to ONNX; {@link CascadeModel} serves that export
 * through Tribuo on ONNX Runtime ({@code BufferTransformer}); {@link CascadeCard} and {@link CascadeFeatures} describe
 * what was trained, {@link CascadeSettings} configures it per task, and {@link TaskCascade} decides when it answers.
 * Uses Tribuo, ONNX Runtime and the engine's API; otherwise the same limits as {@code dev.gptjt.tasks}.
 */
package dev.gptjt.tasks.cascade;
