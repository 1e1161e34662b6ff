package dev.gptjt.tools.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Latencies' p50 and p99 by nearest rank (the {@code ⌈q·n⌉}-th smallest), as {@code bench pipeline} has always
 * reported them: a p99 is a latency some prompt had, not an interpolation between two.
 */
public record Latencies(int count, double p50Ms, double p99Ms) {
    /** None measured: NaN percentiles. */
    public static final Latencies NONE = new Latencies(0, Double.NaN, Double.NaN);

    /** The percentiles of {@code millis} (any order). */
    public static Latencies of(Collection<Double> millis) {
        if (millis.isEmpty()) {
            return NONE;
        }
        List<Double> sorted = new ArrayList<>(millis);
        sorted.sort(Double::compare);
        return new Latencies(sorted.size(), nearestRank(sorted, 0.50), nearestRank(sorted, 0.99));
    }

    /** The {@code ⌈q·n⌉}-th smallest of {@code sorted} (ascending, not empty), q in (0, 1]. */
    public static double nearestRank(List<Double> sorted, double q) {
        if (sorted.isEmpty() || q <= 0 || q > 1) {
            throw new IllegalArgumentException("nearest rank of " + q + " over " + sorted.size() + " values");
        }
        return sorted.get(Math.max(0, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
