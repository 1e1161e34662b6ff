package dev.gptjt.engine;

import java.util.Locale;

/**
 * Which queue a request waits in, and what it may take from the running batch. Realtime requests are
 * scheduled first; bulk requests (a backfill, re-scoring history after a policy change) fill the capacity
 * realtime leaves. A bulk request that has waited the engine's {@link EngineConfig#bulkAging() bulk aging}
 * is scheduled beside realtime ones by its age, so a steady realtime load never starves the bulk lane. When a
 * realtime request finds the batch full, the youngest bulk row is preempted (put back at the head of its lane
 * and started again later from its prompt: greedy rows give the same tokens). Each lane has its own queue cap,
 * so a full bulk lane never refuses a realtime request.
 */
public enum Lane {
    /** Latency matters: scheduled first. */
    REALTIME,
    /** Throughput matters: runs in what realtime leaves, preempted for it. */
    BULK;

    /** The name users write: {@code realtime}, {@code bulk}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The lane a user's name denotes (case ignored).
     *
     * @throws IllegalArgumentException when it names none
     */
    public static Lane parse(String label) {
        return valueOf(label.strip().toUpperCase(Locale.ROOT));
    }
}
