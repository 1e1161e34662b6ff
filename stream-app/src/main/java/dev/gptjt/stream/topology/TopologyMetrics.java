package dev.gptjt.stream.topology;

import dev.gptjt.schema.FailureReason;

/** What the topology reports about its traffic; the service binds it to Micrometer. */
public interface TopologyMetrics {
    /** A prompt record arrived (readable or not). */
    void promptIn();

    /** A result left, by record kind (completion, classification, extraction). */
    void resultOut(String kind);

    /** A dead letter left. */
    void failure(FailureReason reason);

    /** Prompts accepted by this instance and not yet answered changed by {@code delta}. */
    void pending(int delta);

    /** Records waiting for the schema registry to answer (kept undecoded in the store) changed by {@code delta}. */
    default void parked(int delta) {}

    /** A record of {@code task} went to its cascade: answered there ({@code answered}) or passed on to GPT-JT. */
    default void cascade(String task, boolean answered) {}

    /** An audited cascade answer: GPT-JT gave the same label ({@code agreed}) or another. */
    default void cascadeAudit(String task, boolean agreed) {}

    /** A request was looked up in the result cache, with this outcome. */
    default void cacheLookup(CacheOutcome outcome) {}

    /** A record of {@code task} left decided by its policy with {@code action} (once, whatever its copies). */
    default void decision(String task, String action) {}

    /** A decided record of {@code task} was in its audit sample and also went to the audit topic. */
    default void auditSampled(String task) {}

    TopologyMetrics NONE = new TopologyMetrics() {
        @Override
        public void promptIn() {}

        @Override
        public void resultOut(String kind) {}

        @Override
        public void failure(FailureReason reason) {}

        @Override
        public void pending(int delta) {}
    };
}
