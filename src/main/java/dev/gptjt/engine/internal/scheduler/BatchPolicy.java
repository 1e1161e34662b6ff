package dev.gptjt.engine.internal.scheduler;

import dev.gptjt.engine.BatchFormation;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The dynamic batcher's decision, in the manner of Triton's: dispatch a full batch at once; otherwise
 * hold the oldest queued request at most {@code maxWait} so that others can join it, then dispatch
 * whatever has queued.
 */
public final class BatchPolicy {
    private BatchPolicy() {}

    /**
     * What the scheduler does next.
     *
     * @param take      how many queued requests to dispatch now (0: none, wait instead)
     * @param waitNanos how long to wait for more before deciding again (when {@code take} is 0)
     */
    public record Decision(int take, long waitNanos) {
        static Decision dispatch(int n) {
            return new Decision(n, 0);
        }

        static Decision waitFor(long nanos) {
            return new Decision(0, nanos);
        }
    }

    /**
     * <pre>
     *   queued == 0                 → wait (idle, until a submission wakes us)
     *   queued >= maxBatchSize      → dispatch maxBatchSize
     *   oldest waited >= maxWait    → dispatch all queued
     *   otherwise                   → wait maxWait - oldest waited
     * </pre>
     *
     * @param queued           requests waiting
     * @param oldestWaitNanos  how long the oldest of them has waited
     * @param maxBatchSize     largest batch the backend runs
     * @param maxWaitNanos     longest a request is held for others to join it
     */
    public static Decision decide(int queued, long oldestWaitNanos, int maxBatchSize, long maxWaitNanos) {
        if (queued == 0) {
            return Decision.waitFor(Long.MAX_VALUE);
        }
        if (queued >= maxBatchSize) {
            return Decision.dispatch(maxBatchSize);
        }
        if (oldestWaitNanos >= maxWaitNanos) {
            return Decision.dispatch(queued);
        }
        return Decision.waitFor(maxWaitNanos - oldestWaitNanos);
    }

    /**
     * How many queued requests join a running batch at a step boundary (iteration-level batching).
     * The same trade as {@link #decide}: each admission costs the newcomers a prompt pass of their own,
     * so the oldest waits up to {@code maxWait} for company unless the running batch's room is filled.
     * The backend asks only at step boundaries, so "up to max-wait" means: not past the last boundary
     * before it. Asking again one step later would hold the oldest for max-wait plus most of a step
     * (with steps longer than max-wait, every lone arrival would wait a whole extra step).
     *
     * <pre>
     *   room = maxBatchSize - running
     *   room <= 0 or queued == 0               → 0
     *   queued >= room                         → room
     *   oldest waited + one step >= maxWait    → queued (the next boundary would be past max-wait)
     *   otherwise                              → 0 (ask again at the next step)
     * </pre>
     *
     * @param queued          requests waiting
     * @param oldestWaitNanos how long the oldest of them has waited
     * @param running         rows of the running batch still generating
     * @param maxBatchSize    largest batch the backend runs
     * @param maxWaitNanos    longest a request is held for others to join it
     * @param stepNanos       how long until the backend asks again (its last step took this long); 0 when unknown
     */
    public static int admit(
            int queued, long oldestWaitNanos, int running, int maxBatchSize, long maxWaitNanos, long stepNanos) {
        int room = maxBatchSize - running;
        if (room <= 0 || queued == 0) {
            return 0;
        }
        if (queued >= room) {
            return room;
        }
        return oldestWaitNanos + stepNanos >= maxWaitNanos ? queued : 0;
    }
    /**
     * Which {@code take} of the queue's first requests form the next batch when more are queued than fit
     * ({@link BatchFormation#BY_LENGTH}): the oldest, always, and the others whose prompt-pass lengths
     * pad least beside it. A batch's prompt pass costs its row count times its longest row, so of the
     * blocks of {@code take} consecutive requests in length order that contain the oldest, the one with
     * the fewest padding slots wins (ties: the older block). Since the oldest is always taken, a request
     * at queue position p runs within p + 1 batches.
     *
     * @param lengths prompt-pass tokens of the queue's first requests, oldest first
     * @param take    batch size to form ({@code 1 <= take <= lengths.length})
     * @return queue positions to take, ascending
     */
    public static int[] pickByLength(int[] lengths, int take) {
        int n = lengths.length;
        if (take < 1 || take > n) {
            throw new IllegalArgumentException("take " + take + " of " + n);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // stable by length then queue position: among equal lengths the older comes first
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> lengths[i]).thenComparingInt(i -> i));
        int oldest = 0;
        while (order[oldest] != 0) {
            oldest++;
        }
        int best = -1;
        long bestPadding = Long.MAX_VALUE;
        long bestAge = Long.MAX_VALUE;
        for (int start = Math.max(0, oldest - take + 1); start <= Math.min(oldest, n - take); start++) {
            long padding = 0;
            long age = 0;
            int longest = lengths[order[start + take - 1]];
            for (int k = start; k < start + take; k++) {
                padding += longest - lengths[order[k]];
                age += order[k];
            }
            if (padding < bestPadding || (padding == bestPadding && age < bestAge)) {
                best = start;
                bestPadding = padding;
                bestAge = age;
            }
        }
        int[] picked = new int[take];
        for (int k = 0; k < take; k++) {
            picked[k] = order[best + k];
        }
        Arrays.sort(picked);
        return picked;
    }
}
