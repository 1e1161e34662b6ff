package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The step loop on the tiny model: lanes, rows stopped at the next step (cancelled, past their deadline, preempted,
 * the engine closing), and prompts run in chunks under the step's token budget with the tokens of a whole pass.
 */
class StepLoopTest {
    private static final GenerationParams ENDLESS =
            GenerationParams.DEFAULTS.withMaxNewTokens(400).withIgnoreEos(true);

    /** Records what the loop tells its listener. */
    private static final class Recorder implements EngineListener {
        final List<String> stopped = new CopyOnWriteArrayList<>();
        final List<String> finished = new CopyOnWriteArrayList<>();
        final List<StepStats> steps = new CopyOnWriteArrayList<>();
        final AtomicReference<StepStats> last = new AtomicReference<>();

        @Override
        public void onStep(StepStats step) {
            steps.add(step);
            last.set(step);
        }

        @Override
        public void onFinished(Lane lane, EngineResult result) {
            finished.add(result.id());
        }

        @Override
        public void onStopped(Lane lane, StopCause cause, boolean running) {
            stopped.add(lane.label() + " " + cause.label() + (running ? " running" : " queued"));
        }
    }

    private static EngineConfig config() {
        return EngineConfig.defaults(Fixtures.tinyGptj()).toBuilder()
                .maxBatchSize(4)
                .maxWait(Duration.ZERO)
                .maxQueue(16)
                .maxNewTokensCap(400)
                .backend(DecodingBackend.JAVA_LOOP)
                .build();
    }

    @Test
    void shouldFreeACancelledRowAtTheNextStep() {
        Recorder seen = new Recorder();
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config(), seen)) {
            CompletableFuture<GenerationResult> row = engine.submit(new GenerationRequest("row", "Hi", ENDLESS));
            gate.awaitHeld();
            assertEquals(1, seen.last.get().runningRealtime());
            row.cancel(false);
            gate.step();
            gate.awaitHeld(); // the next step has run
            assertEquals(List.of("realtime cancelled running"), seen.stopped);
            assertEquals(0, seen.last.get().runningRealtime(), "gone within one step");
            assertTrue(row.isCancelled());
        }
    }

    @Test
    void shouldKeepTheOtherRowsTokensWhenARowIsFreed() {
        GenerationParams some = GenerationParams.DEFAULTS.withMaxNewTokens(30).withIgnoreEos(true);
        int[] alone;
        try (InferenceEngine engine = InferenceEngine.open(config())) {
            alone = engine.submit(new GenerationRequest("a", "Hello there", some))
                    .join()
                    .outputIds();
        }
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config())) {
            CompletableFuture<GenerationResult> kept = engine.submit(new GenerationRequest("a", "Hello there", some));
            CompletableFuture<GenerationResult> freed =
                    engine.submit(new GenerationRequest("b", "The quick brown fox", ENDLESS));
            gate.awaitHeld();
            gate.stepUntil("both rows running", () -> true);
            gate.step();
            gate.step();
            freed.cancel(false);
            gate.release();
            assertArrayEquals(alone, kept.join().outputIds());
        }
    }

    @Test
    void shouldTakeACancelledRequestOutOfItsQueue() {
        Recorder seen = new Recorder();
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine =
                        gate.open(config().toBuilder().maxBatchSize(1).build(), seen)) {
            engine.submit(new GenerationRequest("running", "Hi", ENDLESS));
            gate.awaitHeld();
            CompletableFuture<GenerationResult> queued = engine.submit(GenerationRequest.of("queued", "Hi"));
            assertEquals(1, engine.queued());
            queued.cancel(false);
            gate.step();
            gate.awaitHeld();
            assertEquals(0, engine.queued());
            assertEquals(List.of("realtime cancelled queued"), seen.stopped);
        }
    }

    @Test
    void shouldEndARowWhoseDeadlinePassesMidGenerationAtTheNextStep() {
        Recorder seen = new Recorder();
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config(), seen)) {
            Instant deadline = Instant.now().plusMillis(300);
            CompletableFuture<GenerationResult> row =
                    engine.submit(new GenerationRequest("late", "Hi", ENDLESS), deadline, Lane.REALTIME);
            gate.awaitHeld(); // it started in time, and is generating
            Await.until("the deadline to pass", () -> Instant.now().isAfter(deadline));
            gate.step();
            gate.awaitHeld();
            EngineException e = EngineException.from(assertThrows(CompletionException.class, row::join));
            assertEquals(ErrorCode.DEADLINE_EXCEEDED, e.code());
            assertTrue(e.getMessage().contains("mid-generation"), e.getMessage());
            assertEquals(List.of("realtime deadline running"), seen.stopped);
            assertEquals(0, seen.last.get().runningRealtime());
        }
    }

    @Test
    void shouldRunRealtimeBeforeBulkQueuedEarlier() {
        Recorder seen = new Recorder();
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine =
                        gate.open(config().toBuilder().maxBatchSize(1).build(), seen)) {
            GenerationParams few = GenerationParams.DEFAULTS.withMaxNewTokens(3).withIgnoreEos(true);
            CompletableFuture<GenerationResult> first = engine.submit(new GenerationRequest("first", "Hi", few));
            gate.awaitHeld();
            List<CompletableFuture<GenerationResult>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                all.add(engine.submit(new GenerationRequest("bulk" + i, "Hi", few), null, Lane.BULK));
            }
            all.add(engine.submit(new GenerationRequest("realtime", "Hi", few), null, Lane.REALTIME));
            assertEquals(3, engine.queued(Lane.BULK));
            assertEquals(1, engine.queued(Lane.REALTIME));
            gate.release();
            first.join();
            all.forEach(CompletableFuture::join);
            Await.until("every result told to the listener", () -> seen.finished.size() == 5);
            assertEquals(List.of("first", "realtime", "bulk0", "bulk1", "bulk2"), seen.finished);
        }
    }

    @Test
    void shouldPreemptABulkRowForRealtimeAndStillGiveItsTokens() {
        GenerationParams some = GenerationParams.DEFAULTS.withMaxNewTokens(24).withIgnoreEos(true);
        int[] alone;
        try (InferenceEngine engine = InferenceEngine.open(config())) {
            alone = engine.submit(new GenerationRequest("alone", "Once upon a time", some))
                    .join()
                    .outputIds();
        }
        Recorder seen = new Recorder();
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine =
                        gate.open(config().toBuilder().maxBatchSize(1).build(), seen)) {
            CompletableFuture<GenerationResult> bulk =
                    engine.submit(new GenerationRequest("bulk", "Once upon a time", some), null, Lane.BULK);
            gate.awaitHeld();
            CompletableFuture<GenerationResult> realtime =
                    engine.submit(new GenerationRequest("realtime", "Hi", some), null, Lane.REALTIME);
            gate.step();
            gate.awaitHeld();
            assertEquals(List.of("bulk preempted running"), seen.stopped);
            assertEquals(1, seen.last.get().runningRealtime());
            assertEquals(1, seen.last.get().waitingBulk(), "back in its lane");
            gate.release();
            realtime.join();
            assertArrayEquals(alone, bulk.join().outputIds(), "started again, the same tokens");
            Await.until("both results told to the listener", () -> seen.finished.size() == 2);
            assertEquals(List.of("realtime", "bulk"), seen.finished);
        }
    }

    @Test
    void shouldNeverRefuseRealtimeBecauseTheBulkLaneIsFull() {
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config().toBuilder()
                        .maxBatchSize(1)
                        .maxQueue(1)
                        .bulkMaxQueue(2)
                        .build())) {
            engine.submit(new GenerationRequest("running", "Hi", ENDLESS));
            gate.awaitHeld();
            engine.submit(GenerationRequest.of("b1", "Hi"), null, Lane.BULK);
            engine.submit(GenerationRequest.of("b2", "Hi"), null, Lane.BULK);
            CompletableFuture<GenerationResult> refused =
                    engine.submit(GenerationRequest.of("b3", "Hi"), null, Lane.BULK);
            assertEquals(
                    ErrorCode.OVERLOADED,
                    EngineException.from(assertThrows(CompletionException.class, refused::join))
                            .code());
            assertTrue(!engine.awaitCapacity(Duration.ofMillis(10), Lane.BULK));
            assertTrue(engine.awaitCapacity(Duration.ofMillis(10), Lane.REALTIME), "the realtime lane has room");
            CompletableFuture<GenerationResult> realtime = engine.submit(GenerationRequest.of("rt", "Hi"));
            assertTrue(!realtime.isDone(), "queued, not refused");
        }
    }

    @Test
    void shouldGiveTheTokensOfAWholePassWhenPromptsRunInChunks() {
        String longPrompt = "The quick brown fox jumps over the lazy dog. ".repeat(12);
        List<GenerationRequest> requests = List.of(
                new GenerationRequest(
                        "long",
                        longPrompt,
                        GenerationParams.DEFAULTS.withMaxNewTokens(12).withIgnoreEos(true)),
                new GenerationRequest(
                        "short",
                        "Hello there",
                        GenerationParams.DEFAULTS.withMaxNewTokens(30).withIgnoreEos(true)),
                new GenerationRequest(
                        "middle",
                        longPrompt.substring(0, 90),
                        GenerationParams.DEFAULTS.withMaxNewTokens(12).withIgnoreEos(true)));
        List<int[]> whole = run(config(), requests, new Recorder());
        Recorder seen = new Recorder();
        EngineConfig chunked = config().toBuilder().maxStepTokens(9).build();
        List<int[]> inChunks = run(chunked, requests, seen);
        for (int i = 0; i < requests.size(); i++) {
            assertArrayEquals(whole.get(i), inChunks.get(i), requests.get(i).id());
        }
        assertTrue(
                seen.steps.stream().anyMatch(s -> s.promptTokens() > 0 && s.decodeTokens() > 0),
                "chunks beside decoding rows");
        for (StepStats s : seen.steps) {
            assertTrue(s.promptTokens() + s.decodeTokens() <= 9, "a step over budget: " + s);
        }
    }

    @Test
    void shouldChunkAPromptThatStartsFromACachedPrefix() {
        String template = "Classify the sentiment of the review as positive or negative.\nReview: ";
        GenerationRequest request = new GenerationRequest(
                "p",
                template + "a long and winding film that never ends, yet I loved it",
                GenerationParams.DEFAULTS.withMaxNewTokens(6).withIgnoreEos(true));
        List<int[]> whole = run(config(), List.of(request), new Recorder());
        try (InferenceEngine engine =
                InferenceEngine.open(config().toBuilder().maxStepTokens(6).build())) {
            assertTrue(engine.cachePrefix(template).isPresent());
            GenerationResult r = engine.submit(request).join();
            assertNotEquals(0, r.prefixTokens(), "ran from the prefix");
            assertArrayEquals(whole.get(0), r.outputIds());
        }
    }

    @Test
    void shouldReturnFromCloseWhileAStepRunsWithinABoundedTime() throws Exception {
        Recorder seen = new Recorder();
        InferenceEngine engine = InferenceEngine.open(config(), seen);
        CompletableFuture<GenerationResult> row = engine.submit(new GenerationRequest("row", "Hi", ENDLESS));
        Await.until("the row to be generating", () -> seen.steps.size() > 2);
        long start = System.nanoTime();
        engine.close();
        long took = System.nanoTime() - start;
        assertTrue(took < TimeUnit.SECONDS.toNanos(30), "close took " + took / 1_000_000 + " ms");
        assertEquals(
                ErrorCode.CLOSED,
                EngineException.from(assertThrows(Exception.class, () -> row.get(30, TimeUnit.SECONDS)))
                        .code());
    }

    private static List<int[]> run(EngineConfig config, List<GenerationRequest> requests, EngineListener listener) {
        try (InferenceEngine engine = InferenceEngine.open(config, listener)) {
            List<CompletableFuture<GenerationResult>> futures =
                    requests.stream().map(engine::submit).toList();
            return futures.stream().map(f -> f.join().outputIds()).toList();
        }
    }
}
