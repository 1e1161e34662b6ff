/**
 * The engine's step loop. {@link StepLoop} owns the loop, on a thread of its own: callers on any thread queue requests
 * in a lane (each lane's queue bounded: a full one rejects with {@code OVERLOADED}); each step it asks
 * {@link StepPolicy} what runs — stops (cancelled, past deadline, preempted), admissions by lane, prompt chunks under
 * the step's token budget, the backend of each request — has the backends run it, and completes what ended on a
 * completion thread of its own. {@link BatchPolicy} holds the batching rules the policy applies (hold the oldest at
 * most {@code maxWait} for company; pick by length). Uses the engine's API and the backend contract of
 * {@code engine.internal}, no ONNX Runtime. Internal to the engine.
 */
package dev.gptjt.engine.internal.scheduler;
