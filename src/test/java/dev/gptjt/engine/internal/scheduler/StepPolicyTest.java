package dev.gptjt.engine.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.StopCause;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepPolicyTest {
    private static final long MS = 1_000_000;
    private static final StepPolicy.Limits LIMITS =
            new StepPolicy.Limits(4, 64, 10 * MS, 1_000 * MS, BatchFormation.FIFO);

    private static StepPolicy.Queued loop(Lane lane, long waitedMs, int tokens) {
        return new StepPolicy.Queued(lane, waitedMs * MS, tokens, true, true, 1, 8);
    }

    private static StepPolicy.Queued graph(long waitedMs, int bucket) {
        return new StepPolicy.Queued(Lane.REALTIME, waitedMs * MS, 10, false, false, 0, bucket);
    }

    private static StepPolicy.Row decoding(Lane lane, long started) {
        return new StepPolicy.Row(lane, started, 0, false, false);
    }

    @Test
    void shouldDropCancelledAndLateRowsAtTheNextStep() {
        StepPolicy.Plan plan = StepPolicy.plan(
                List.of(),
                List.of(),
                List.of(
                        decoding(Lane.REALTIME, 1),
                        new StepPolicy.Row(Lane.REALTIME, 2, 0, true, false),
                        new StepPolicy.Row(Lane.BULK, 3, 0, false, true)),
                MS,
                LIMITS);
        assertEquals(
                List.of(new StepPolicy.Stop(1, StopCause.CANCELLED), new StepPolicy.Stop(2, StopCause.DEADLINE)),
                plan.stops());
        assertTrue(plan.decode(), "the other row goes on");
    }

    @Test
    void shouldTakeRealtimeBeforeBulkAndBulkInWhatIsLeft() {
        StepPolicy.Plan plan = StepPolicy.plan(
                List.of(loop(Lane.REALTIME, 1, 5)),
                List.of(loop(Lane.BULK, 50, 5), loop(Lane.BULK, 40, 5), loop(Lane.BULK, 30, 5)),
                List.of(decoding(Lane.REALTIME, 1), decoding(Lane.REALTIME, 2)),
                MS,
                LIMITS);
        assertEquals(
                List.of(new StepPolicy.Take(Lane.REALTIME, 0, 5), new StepPolicy.Take(Lane.BULK, 0, 5)),
                plan.takes(),
                "two free rows: the realtime request, though younger, then the oldest bulk one");
    }

    @Test
    void shouldScheduleABulkRequestThatWaitedTheAgingBesideRealtimeByAge() {
        StepPolicy.Plan plan = StepPolicy.plan(
                List.of(loop(Lane.REALTIME, 5, 5)),
                List.of(loop(Lane.BULK, 2_000, 5)),
                List.of(decoding(Lane.REALTIME, 1), decoding(Lane.REALTIME, 2), decoding(Lane.REALTIME, 3)),
                MS,
                LIMITS);
        assertEquals(List.of(new StepPolicy.Take(Lane.BULK, 0, 5)), plan.takes(), "one free row: the aged one");
    }

    @Test
    void shouldLetOnlyTheOldestAgedBulkRequestAStepBesideRealtimeAndNeverPreemptForIt() {
        List<StepPolicy.Row> full = List.of(
                decoding(Lane.BULK, 1), decoding(Lane.BULK, 2), decoding(Lane.BULK, 3), decoding(Lane.REALTIME, 4));
        StepPolicy.Plan plan = StepPolicy.plan(
                List.of(), List.of(loop(Lane.BULK, 5_000, 5), loop(Lane.BULK, 4_000, 5)), full, MS, LIMITS);
        assertEquals(List.of(), plan.stops(), "aged bulk never preempts bulk rows");
        StepPolicy.Plan room = StepPolicy.plan(
                List.of(loop(Lane.REALTIME, 1, 5), loop(Lane.REALTIME, 1, 5)),
                List.of(loop(Lane.BULK, 5_000, 5), loop(Lane.BULK, 4_000, 5)),
                List.of(decoding(Lane.REALTIME, 1)),
                MS,
                LIMITS);
        assertEquals(
                List.of(
                        new StepPolicy.Take(Lane.BULK, 0, 5),
                        new StepPolicy.Take(Lane.REALTIME, 0, 5),
                        new StepPolicy.Take(Lane.REALTIME, 1, 5)),
                room.takes(),
                "three free rows: the oldest aged bulk one by its age, then realtime; the other aged one waits");
    }

    @Test
    void shouldPreemptTheYoungestBulkRowsForRealtimeButNeverForBulk() {
        List<StepPolicy.Row> full = List.of(
                decoding(Lane.BULK, 1), decoding(Lane.REALTIME, 2), decoding(Lane.BULK, 3), decoding(Lane.BULK, 4));
        StepPolicy.Plan plan = StepPolicy.plan(
                List.of(loop(Lane.REALTIME, 1, 5), loop(Lane.REALTIME, 1, 5)), List.of(), full, MS, LIMITS);
        assertEquals(
                List.of(new StepPolicy.Stop(3, StopCause.PREEMPTED), new StepPolicy.Stop(2, StopCause.PREEMPTED)),
                plan.stops(),
                "the two youngest bulk rows");
        assertEquals(2, plan.takes().size());
        StepPolicy.Plan bulkOnly = StepPolicy.plan(List.of(), List.of(loop(Lane.BULK, 1, 5)), full, MS, LIMITS);
        assertEquals(List.of(), bulkOnly.stops());
        assertEquals(List.of(), bulkOnly.takes());
    }

    @Test
    void shouldRunALongPromptInChunksUnderTheStepBudgetBesideDecodingRows() {
        List<StepPolicy.Row> three =
                List.of(decoding(Lane.REALTIME, 1), decoding(Lane.REALTIME, 2), decoding(Lane.REALTIME, 3));
        StepPolicy.Plan first = StepPolicy.plan(List.of(loop(Lane.REALTIME, 20, 150)), List.of(), three, MS, LIMITS);
        assertEquals(List.of(new StepPolicy.Take(Lane.REALTIME, 0, 61)), first.takes(), "64 less 3 decode tokens");
        List<StepPolicy.Row> withChunked = List.of(
                decoding(Lane.REALTIME, 1),
                decoding(Lane.REALTIME, 2),
                decoding(Lane.REALTIME, 3),
                new StepPolicy.Row(Lane.REALTIME, 4, 89, false, false));
        StepPolicy.Plan next = StepPolicy.plan(List.of(), List.of(), withChunked, MS, LIMITS);
        assertEquals(List.of(new StepPolicy.Continue(3, 61)), next.continues());
        List<StepPolicy.Row> lastChunk = List.of(
                decoding(Lane.REALTIME, 1),
                decoding(Lane.REALTIME, 2),
                decoding(Lane.REALTIME, 3),
                new StepPolicy.Row(Lane.REALTIME, 4, 28, false, false));
        StepPolicy.Plan last = StepPolicy.plan(List.of(), List.of(), lastChunk, MS, LIMITS);
        assertEquals(List.of(new StepPolicy.Continue(3, 28)), last.continues(), "the rest, and it decodes");
    }

    @Test
    void shouldRunAPromptThatCannotBeChunkedWholeWhenItIsTheStepsFirst() {
        StepPolicy.Queued classification = new StepPolicy.Queued(Lane.REALTIME, 20 * MS, 200, true, false, 1, 2);
        StepPolicy.Plan plan =
                StepPolicy.plan(List.of(classification, loop(Lane.REALTIME, 20, 5)), List.of(), List.of(), 0, LIMITS);
        assertEquals(
                List.of(new StepPolicy.Take(Lane.REALTIME, 0, 200)),
                plan.takes(),
                "whole, and nothing after it in this step");
    }

    @Test
    void shouldRunInGraphRequestsWithoutFreeRowsOneBucketAStep() {
        List<StepPolicy.Row> full = List.of(
                decoding(Lane.REALTIME, 1),
                decoding(Lane.REALTIME, 2),
                decoding(Lane.REALTIME, 3),
                decoding(Lane.REALTIME, 4));
        StepPolicy.Plan plan =
                StepPolicy.plan(List.of(graph(20, 8), graph(20, 16), graph(20, 8)), List.of(), full, MS, LIMITS);
        assertEquals(
                List.of(new StepPolicy.Take(Lane.REALTIME, 0, 10), new StepPolicy.Take(Lane.REALTIME, 2, 10)),
                plan.takes());
    }

    @Test
    void shouldHoldALoneRequestForCompanyUpToMaxWait() {
        StepPolicy.Plan early = StepPolicy.plan(List.of(loop(Lane.REALTIME, 4, 5)), List.of(), List.of(), 0, LIMITS);
        assertTrue(early.idle());
        assertEquals(6 * MS, early.waitNanos());
        StepPolicy.Plan due = StepPolicy.plan(List.of(loop(Lane.REALTIME, 10, 5)), List.of(), List.of(), 0, LIMITS);
        assertEquals(1, due.takes().size());
        StepPolicy.Plan idle = StepPolicy.plan(List.of(), List.of(), List.of(), 0, LIMITS);
        assertEquals(Long.MAX_VALUE, idle.waitNanos());
    }

    @Test
    void shouldPickByLengthWithinTheHighestLane() {
        StepPolicy.Limits byLength = new StepPolicy.Limits(2, 64, 0, 1_000 * MS, BatchFormation.BY_LENGTH);
        StepPolicy.Plan plan = StepPolicy.plan(
                List.of(loop(Lane.REALTIME, 9, 10), loop(Lane.REALTIME, 8, 30), loop(Lane.REALTIME, 7, 11)),
                List.of(loop(Lane.BULK, 50, 10)),
                List.of(),
                0,
                byLength);
        assertEquals(
                List.of(new StepPolicy.Take(Lane.REALTIME, 0, 10), new StepPolicy.Take(Lane.REALTIME, 2, 11)),
                plan.takes());
    }
}
