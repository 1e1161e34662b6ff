package dev.gptjt.engine.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BatchFormationTest {

    @Test
    void shouldTakeTheOldestAndTheLengthsThatPadLeastBesideIt() {
        // oldest 10; of 12, 9, 30, 11, 31, 10: 9 10 10 pads 1 slot, 10 10 11 pads 2
        assertArrayEquals(new int[] {0, 2, 6}, BatchPolicy.pickByLength(new int[] {10, 12, 9, 30, 11, 31, 10}, 3));
        // a long oldest takes the long ones
        assertArrayEquals(new int[] {0, 3, 5}, BatchPolicy.pickByLength(new int[] {30, 12, 9, 29, 11, 31, 10}, 3));
    }

    @Test
    void shouldPreferOlderRequestsAmongEqualPadding() {
        assertArrayEquals(new int[] {0, 1, 2}, BatchPolicy.pickByLength(new int[] {5, 5, 5, 5, 5}, 3));
        assertArrayEquals(new int[] {0, 1}, BatchPolicy.pickByLength(new int[] {5, 4, 6}, 2));
    }

    @Test
    void shouldTakeEverythingWhenTheBatchHoldsIt() {
        assertArrayEquals(new int[] {0, 1, 2}, BatchPolicy.pickByLength(new int[] {50, 1, 9}, 3));
        assertArrayEquals(new int[] {0}, BatchPolicy.pickByLength(new int[] {7, 7}, 1));
    }

    @Test
    void shouldFormBatchesByPromptPassLengthFromABacklog() throws Exception {
        List<List<String>> batches = runBacklog(BatchFormation.BY_LENGTH);
        assertEquals(List.of("gate"), batches.get(0));
        // queued behind the gate, oldest first: a/2 b/9 c/3 d/8 e/2 f/9 g/3 h/8 tokens; batches of 4
        assertEquals(List.of("a", "c", "e", "g"), batches.get(1), "the oldest (a) with the short ones");
        assertEquals(List.of("b", "d", "f", "h"), batches.get(2), "then the long ones");
    }

    @Test
    void shouldFormBatchesInArrivalOrderWhenFifo() throws Exception {
        List<List<String>> batches = runBacklog(BatchFormation.FIFO);
        assertEquals(List.of("a", "b", "c", "d"), batches.get(1));
        assertEquals(List.of("e", "f", "g", "h"), batches.get(2));
    }

    /**
     * Holds the backend on a first request while eight more queue, then lets it go: the batches the
     * backend is given after that are the scheduler's choice from a backlog.
     */
    private static List<List<String>> runBacklog(BatchFormation formation) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        GenerationBackend backend = new GenerationBackend() {
            @Override
            public String name() {
                return "recording";
            }

            @Override
            public List<EngineResult> run(List<PreparedRequest> batch) {
                batches.add(batch.stream().map(PreparedRequest::id).toList());
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return batch.stream()
                        .<EngineResult>map(r -> new GenerationResult(
                                r.id(), 0, new int[0], "", FinishReason.LENGTH, 0, 0, batch.size(), name(), 0, 0, 0, 0))
                        .toList();
            }

            @Override
            public void terminate() {}

            @Override
            public void close() {}
        };
        try (StepLoop scheduler = TestLoops.of(backend, 4, Duration.ZERO, 64, formation)) {
            List<CompletableFuture<EngineResult>> futures = new ArrayList<>();
            futures.add(TestLoops.submit(scheduler, request("gate", 1)));
            started.await();
            String[] ids = {"a", "b", "c", "d", "e", "f", "g", "h"};
            int[] lengths = {2, 9, 3, 8, 2, 9, 3, 8};
            for (int i = 0; i < ids.length; i++) {
                futures.add(TestLoops.submit(scheduler, request(ids[i], lengths[i])));
            }
            release.countDown();
            futures.forEach(CompletableFuture::join);
        }
        return batches;
    }

    private static PreparedRequest request(String id, int promptTokens) {
        return new PreparedRequest.Generation(
                id, new int[promptTokens], GenerationParams.DEFAULTS, System.nanoTime(), Long.MAX_VALUE, null);
    }
}
