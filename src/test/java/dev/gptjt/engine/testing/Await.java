package dev.gptjt.engine.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded polls for tests: wait until a condition holds, and fail with a message that says what did not happen when
 * the deadline passes, never return silently. The short pause between two looks is only the poll's pace; no test
 * relies on it for ordering.
 */
public final class Await {
    /** Long enough for any event of the tiny models on a loaded 2-core host, even ten times slower. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);

    private static final long PACE_MILLIS = 5;

    private Await() {}

    /** Waits until {@code condition} holds, at most {@link #DEFAULT_DEADLINE}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_DEADLINE, condition, () -> "");
    }

    /**
     * Waits until {@code condition} holds, at most {@code deadline}; {@code state} describes what was seen instead
     * when it fails.
     *
     * @throws AssertionError naming {@code what} when the deadline passes first
     */
    public static void until(String what, Duration deadline, BooleanSupplier condition, Supplier<String> state) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                String seen = state.get();
                throw new AssertionError("not within " + deadline.toMillis() + " ms: " + what
                        + (seen.isEmpty() ? "" : " (" + seen + ")"));
            }
            pause();
        }
    }

    /**
     * Runs {@code step} (which moves things along: e.g. advances a test driver's clock) until {@code condition} holds,
     * at most {@code deadline}.
     *
     * @throws AssertionError naming {@code what} when the deadline passes first
     */
    public static void stepping(
            String what, Duration deadline, Runnable step, BooleanSupplier condition, Supplier<String> state) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                String seen = state.get();
                throw new AssertionError("not within " + deadline.toMillis() + " ms: " + what
                        + (seen.isEmpty() ? "" : " (" + seen + ")"));
            }
            step.run();
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(PACE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
