package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineResult;

/**
 * Test-only: what a test sees of a running batch, and may hold it at. Tests use it to wait on events (a batch has
 * started, a step boundary is reached, a request has ended) instead of sleeping and assuming how fast the model is.
 * Production never installs one: the step loop then calls nothing.
 *
 * <p>Called on the scheduler thread, but {@link #completed}, which is called on the engine's completion thread once
 * the request's future is complete; {@link #atStepBoundary} may block, for as long as the test holds the batch there,
 * and must return once {@link #terminated()} has been called (the engine is closing).
 */
public interface StepHook {

    /** A batch of {@code size} requests is about to run: the first step after the loop had no rows. */
    default void batchStarting(int size) {}

    /**
     * The Java token loop is between two steps (the point where queued requests join), with {@code running} rows still
     * generating (0: the batch has ended); nothing runs until this returns.
     */
    default void atStepBoundary(int running) {}

    /** A request of the batch has ended with {@code result}, and its future is complete. */
    default void completed(EngineResult result) {}

    /** The backend was told to end its runs (the engine is closing): a held boundary must let go now. */
    default void terminated() {}

    /**
     * Hands {@code hook} to the next engine that opens (and to no later one): tests open the engine right after, on
     * the same thread. Null withdraws a hook that no engine took.
     */
    static void forNextEngine(StepHook hook) {
        TestHooks.NEXT.set(hook);
    }
}
