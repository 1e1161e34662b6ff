/**
 * The ONNX Runtime backends, the only part of the engine that opens ORT sessions. {@link DecoderSession} is a session
 * over the Optimum decoder, checked against its {@code config.json}; {@link OrtTokenLoopBackend} is the Java token
 * loop over it (one {@code session.run} per token, requests joining at step boundaries, KV cache in
 * {@code KvCache}/{@code KvCacheMerge}, cached prefixes in {@code CachedPrefix}, label scoring in
 * {@code TokenLoopLabelScorer}); {@link InGraphGreedyBackend} and {@link InGraphClassifyBackend} run the graphs that
 * {@code engine.graph}'s converters wrote, each batch in one run. When they are open, {@link SharedBackends} puts
 * the decoder and them in one session ({@code SharedWeightsGraph}; each backend runs its {@code GraphPath} of a
 * {@code SharedSession}), so the weights are held once. {@code RunControl} ends a
 * running batch inside ORT. Uses the engine's API, {@code engine.internal}, {@code engine.graph}'s contracts,
 * {@code engine.model} and {@code engine.tokenizer}; internal to the engine like its parent.
 */
package dev.gptjt.engine.internal.ort;
