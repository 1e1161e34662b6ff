package dev.gptjt.engine;

import java.util.Locale;

/**
 * How the scheduler chooses a batch when more requests are queued than one batch holds. With fewer
 * queued, every one of them runs, whatever this says.
 */
public enum BatchFormation {
    /** The oldest requests, in arrival order. */
    FIFO,
    /**
     * The oldest request and, from the next few batches' worth of the queue, the requests whose prompt
     * passes (the tokens not covered by a cached prefix) are nearest its length: a batch's prompt pass
     * pads every row to its longest, so batches of like lengths waste fewer token slots. Requests finish
     * in another order than they arrived (results already leave in completion order); the oldest is
     * always taken, so no request waits more batches than the requests ahead of it.
     */
    BY_LENGTH;

    /** Batches' worth of the queue's head that {@link #BY_LENGTH} chooses from. */
    public static final int LOOKAHEAD_BATCHES = 4;

    /** The name users write: {@code fifo}, {@code by-length}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The formation a user's name denotes (case and {@code -}/{@code _} ignored).
     *
     * @throws IllegalArgumentException when it names none
     */
    public static BatchFormation parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
