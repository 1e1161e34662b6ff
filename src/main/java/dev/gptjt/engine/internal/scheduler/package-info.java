/**
 * Dynamic batching. {@link BatchScheduler} merges submissions from any thread into batches that one backend runs one
 * at a time on a thread of its own: its queue is bounded (a full queue rejects with {@code OVERLOADED}), a request
 * queued too long fails with {@code DEADLINE_EXCEEDED}, and a backend that decodes step by step takes queued requests
 * into the running batch through {@code RowFeed}. {@link BatchPolicy} decides when to dispatch: a full batch at once,
 * otherwise after holding the oldest request at most {@code maxWait}. Uses the engine's API and the backend contract
 * of {@code engine.internal}, no ONNX Runtime. Internal to the engine.
 */
package dev.gptjt.engine.internal.scheduler;
