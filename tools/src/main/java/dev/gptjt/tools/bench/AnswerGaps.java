package dev.gptjt.tools.bench;

import java.util.Arrays;

/** The longest silence between answers within a window: what a rebalance costs the readers of the answers. */
public final class AnswerGaps {
    private AnswerGaps() {}

    /**
     * The longest gap, in nanoseconds, between consecutive points of: the window's start, the answers received
     * within {@code [start, end]}, and its end (so a window without answers is one gap, its whole length).
     *
     * @param received when answers came ({@link System#nanoTime}), any order, any window
     */
    public static long longestNanos(long start, long end, long[] received) {
        long[] inside = Arrays.stream(received)
                .filter(t -> t >= start && t <= end)
                .sorted()
                .toArray();
        long longest = 0;
        long previous = start;
        for (long t : inside) {
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        return Math.max(longest, end - previous);
    }
}
