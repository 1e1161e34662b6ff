package dev.gptjt.tools.bench;

/**
 * The lanes benchmark's arithmetic: the realtime rate from the capacity, the capacity realtime leaves, bulk's share
 * of it, and issue 36's two targets (realtime p99 with a bulk backlog ≤ 1.5 × without one; bulk ≥ 70% of what
 * realtime leaves).
 */
public final class LaneShare {
    /** Realtime p99 with a bulk backlog may be at most this many times realtime p99 alone. */
    public static final double MAX_P99_RATIO = 1.5;

    /** Bulk must get at least this share of the capacity realtime leaves. */
    public static final double MIN_BULK_SHARE = 0.70;

    private LaneShare() {}

    /**
     * The realtime rate for a run at {@code load} of {@code capacity}.
     *
     * @throws IllegalArgumentException when load is not in (0, 1) (at 1 realtime leaves nothing to share) or the
     *     capacity is not positive
     */
    public static double realtimeRate(double capacity, double load) {
        if (!(load > 0 && load < 1)) {
            throw new IllegalArgumentException("load " + load + " is not in (0, 1)");
        }
        if (!(capacity > 0)) {
            throw new IllegalArgumentException("capacity " + capacity + " req/s is not positive");
        }
        return capacity * load;
    }

    /**
     * Bulk's share of the capacity realtime leaves: {@code bulk / (capacity − realtime)}; NaN when realtime leaves
     * nothing. Above 1 when bulk went faster than the capacity measured (the capacity is itself a measurement).
     */
    public static double bulkShare(double bulkPerS, double capacity, double realtimeRate) {
        double spare = capacity - realtimeRate;
        return spare > 0 ? bulkPerS / spare : Double.NaN;
    }

    /** p99 with the backlog over p99 without it; NaN when either is missing. */
    public static double p99Ratio(double p99WithBacklogMs, double p99AloneMs) {
        return p99AloneMs > 0 ? p99WithBacklogMs / p99AloneMs : Double.NaN;
    }

    /** Whether the p99 target holds (a NaN ratio does not). */
    public static boolean p99Met(double ratio) {
        return ratio <= MAX_P99_RATIO;
    }

    /** Whether the bulk share target holds (a NaN share does not). */
    public static boolean shareMet(double share) {
        return share >= MIN_BULK_SHARE;
    }
}
