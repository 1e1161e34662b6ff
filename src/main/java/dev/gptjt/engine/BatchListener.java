package dev.gptjt.engine;

import java.util.List;

/**
 * Observes finished requests, for metrics: called on the engine's scheduler thread as requests end, so
 * it must return quickly. {@code size} is the batch they ran in, {@code inferenceNanos} the time from
 * their batch's start (or their admission into it) to their end.
 */
@FunctionalInterface
public interface BatchListener {
    void onBatch(int size, long inferenceNanos, List<EngineResult> results);
}
