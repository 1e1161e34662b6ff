/**
 * The engine's internals behind {@code InferenceEngine}. {@link GenerationBackend} is the contract a backend runs one
 * step of the engine's loop by ({@link StepWork} in, {@link StepOutput} out: plain values), {@link PreparedRequest} a
 * validated request with its prompt tokenized, {@link RowState} one generated row's tokens and stop rules,
 * {@link LabelScores} a classification as a backend scored it, and {@link Backends} the in-graph backends and the
 * token loop an engine runs on; {@link BackendFactory} wires them from the configuration and the model directory.
 * {@link TestHooks} holds the loop's test-only seams ({@link StepHook}: tests hold a batch at a step boundary or count
 * its results instead of sleeping; production never installs one). Subpackages: {@code ort} (the ONNX Runtime
 * backends), {@code sampling} and {@code scheduler}. Nothing outside {@code dev.gptjt.engine} may use this package or
 * its subpackages.
 */
package dev.gptjt.engine.internal;
