package dev.gptjt.stream.topology;

/** What the result cache did for a request, as counted ({@code gptjt_cache_requests_total{outcome}}). */
public enum CacheOutcome {
    /** Answered from a kept answer: nothing ran. */
    HIT,
    /** Joined an identical request running now: it shares that request's engine row. */
    SHARED,
    /** Ran: no answer kept, none running. */
    MISS,
    /** Its answer is drawn anew each time (sampling): never cached. */
    UNCACHEABLE;

    /** The metric's label value. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
