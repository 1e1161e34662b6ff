package dev.gptjt.engine;

import java.util.Locale;

/** Why the engine stopped a request before it ended on its own (metrics label it by {@link #label()}). */
public enum StopCause {
    /** Its future was cancelled (a caller that no longer wants the answer: a revoked Kafka task, a closed client). */
    CANCELLED,
    /** Its deadline passed, queued or mid-generation: it failed with {@link ErrorCode#DEADLINE_EXCEEDED}. */
    DEADLINE,
    /** The engine closed under it: it failed with {@link ErrorCode#CLOSED}. */
    CLOSED,
    /**
     * Taken out of the running batch for a realtime request (bulk rows only): put back at the head of its lane, it
     * starts again later. Not an end: the request still completes.
     */
    PREEMPTED;

    /** The name metrics use: {@code cancelled}, {@code deadline}, {@code closed}, {@code preempted}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
