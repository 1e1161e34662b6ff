package dev.gptjt.stream.topology;

import java.time.Duration;
import java.util.Objects;

/**
 * The result cache: repeated requests answered once.
 *
 * @param enabled    answer a request that would get exactly an earlier answer with that answer, and let identical
 *                   requests running at the same time share one engine row
 * @param ttl        how long an answer is kept and sent again
 * @param maxEntries most answers kept per prompts partition (each partition's store is bounded on its own); the
 *                   oldest go first
 */
public record CacheSettings(boolean enabled, Duration ttl, int maxEntries) {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    public static final String DEFAULT_TTL_TEXT = "10m";
    public static final int DEFAULT_MAX_ENTRIES = 100_000;
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    public static final Duration MAX_TTL = Duration.ofDays(7);
    public static final int MAX_MAX_ENTRIES = 10_000_000;

    /** No cache: every request runs. */
    public static final CacheSettings OFF = new CacheSettings(false, DEFAULT_TTL, DEFAULT_MAX_ENTRIES);

    public CacheSettings {
        Objects.requireNonNull(ttl);
        String problem = problem(ttl, maxEntries);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    public static CacheSettings defaults() {
        return new CacheSettings(true, DEFAULT_TTL, DEFAULT_MAX_ENTRIES);
    }

    /** What is wrong with these bounds, naming the setting ({@code ttl} or {@code max-entries}); null if nothing. */
    public static String problem(Duration ttl, int maxEntries) {
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            return "ttl must be from " + MIN_TTL.toSeconds() + "s to " + MAX_TTL.toDays() + "d, was " + ttl;
        }
        if (maxEntries < 1 || maxEntries > MAX_MAX_ENTRIES) {
            return "max-entries must be from 1 to " + MAX_MAX_ENTRIES + ", was " + maxEntries;
        }
        return null;
    }
}
