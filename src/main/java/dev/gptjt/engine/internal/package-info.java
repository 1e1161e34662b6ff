/**
 * The engine's internals behind {@code InferenceEngine}. {@link GenerationBackend} is the contract a backend runs a
 * batch by, {@link PreparedRequest} a validated request with its prompt tokenized, {@link RowState} one generated
 * row's tokens and stop rules, {@link RowFeed} how a running batch takes queued requests and hands results back,
 * {@link LabelScores} a classification as a backend scored it, and {@link RoutingBackend} sends each request to the
 * first in-graph backend that accepts it or else to the token loop; {@link BackendFactory} wires these backends from
 * the configuration and the model directory ({@link StepHook} is its test-only seam: tests hold a batch at a step
 * boundary or count its results instead of sleeping; production never installs one). Subpackages: {@code ort} (the ONNX Runtime backends),
 * {@code sampling} and {@code scheduler}. Nothing outside {@code dev.gptjt.engine} may use this package or its
 * subpackages.
 */
package dev.gptjt.engine.internal;
