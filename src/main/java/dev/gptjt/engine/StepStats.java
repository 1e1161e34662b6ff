package dev.gptjt.engine;

/**
 * What one step of the engine's loop did: the rows it ran and the tokens it read, and the queues after it.
 *
 * @param nanos          wall time of the step (schedule, model calls, update)
 * @param rows           rows the step computed (decoding rows, prompt-pass rows, scored rows, in-graph rows)
 * @param promptTokens   prompt tokens read by the step's prompt passes (chunks included; cached prefixes not)
 * @param decodeTokens   tokens fed to decoding rows (one a row, more for a row that jumps forward)
 * @param runningRealtime rows generating in the running batch after the step, realtime lane
 * @param runningBulk    the same, bulk lane
 * @param waitingRealtime requests queued after the step, realtime lane
 * @param waitingBulk    the same, bulk lane
 */
public record StepStats(
        long nanos,
        int rows,
        int promptTokens,
        int decodeTokens,
        int runningRealtime,
        int runningBulk,
        int waitingRealtime,
        int waitingBulk) {

    /** Rows running in {@code lane} after the step. */
    public int running(Lane lane) {
        return lane == Lane.REALTIME ? runningRealtime : runningBulk;
    }

    /** Requests waiting in {@code lane} after the step. */
    public int waiting(Lane lane) {
        return lane == Lane.REALTIME ? waitingRealtime : waitingBulk;
    }
}
