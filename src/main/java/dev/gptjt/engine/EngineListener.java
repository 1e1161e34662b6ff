package dev.gptjt.engine;

/**
 * Observes the engine's loop, for metrics. Called on the engine's scheduler thread (every method but
 * {@link #onFinished}, which is called where futures complete), so it must return quickly and never throw.
 */
public interface EngineListener {
    /** A step ended. */
    default void onStep(StepStats step) {}

    /**
     * A request of {@code lane} started (its prompt pass was scheduled) after waiting {@code queuedNanos} in its
     * lane's queue; a preempted request starting again counts again.
     */
    default void onStarted(Lane lane, long queuedNanos) {}

    /** A request of {@code lane} ended with {@code result}. */
    default void onFinished(Lane lane, EngineResult result) {}

    /**
     * The engine stopped a request of {@code lane} for {@code cause}; {@code running} when it was in the running batch
     * (its row freed at that step) rather than queued.
     */
    default void onStopped(Lane lane, StopCause cause, boolean running) {}

    /**
     * A constrained row of {@code lane} decoded in-graph needed more corrections than
     * {@link EngineConfig#maxCorrections()} allows: it was queued again for the Java loop, which decodes it from its
     * prompt (its result then comes from there).
     */
    default void onHandedBack(Lane lane) {}

    /**
     * A constrained row of {@code lane} decoded in-graph (guessed and checked) ended, after {@code corrections}
     * corrections in {@code runs} operator calls ({@link GenerationResult#corrections()},
     * {@link GenerationResult#inGraphRuns()}).
     */
    default void onCheckedRow(Lane lane, int corrections, int runs) {}
}
