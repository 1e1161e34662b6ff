package dev.gptjt.engine.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchSchedulerTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldDecideAsDocumented() {
        assertEquals(new BatchPolicy.Decision(0, Long.MAX_VALUE), BatchPolicy.decide(0, 0, 16, 10 * MS));
        assertEquals(
                new BatchPolicy.Decision(16, 0), BatchPolicy.decide(40, 0, 16, 10 * MS), "a full batch goes at once");
        assertEquals(new BatchPolicy.Decision(3, 0), BatchPolicy.decide(3, 10 * MS, 16, 10 * MS), "max-wait reached");
        assertEquals(
                new BatchPolicy.Decision(0, 6 * MS), BatchPolicy.decide(3, 4 * MS, 16, 10 * MS), "wait out the rest");
        assertEquals(new BatchPolicy.Decision(1, 0), BatchPolicy.decide(1, 0, 16, 0), "max-wait 0 never holds");
    }

    @Test
    void shouldFormOneBatchFromConcurrentSubmissions() throws Exception {
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        try (InferenceEngine engine = InferenceEngine.open(
                EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(8, Duration.ofSeconds(10), 64))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<CompletableFuture<GenerationResult>>> submitted = new ArrayList<>();
            for (Fixtures.GenerationCase c : cases) {
                submitted.add(CompletableFuture.supplyAsync(
                        () -> {
                            await(go);
                            return engine.submit(new GenerationRequest(
                                    c.prompt(), c.prompt(), GenerationParams.DEFAULTS.withIgnoreEos(true)));
                        },
                        pool));
            }
            go.countDown();
            for (var s : submitted) {
                GenerationResult r = s.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
                assertEquals(
                        8, r.batchSize(), "eight submissions from four threads form one batch of the maximum size");
                assertTrue(r.queuedNanos() < 10_000 * MS, "a full batch does not wait out max-wait");
            }
            pool.shutdown();
        }
    }

    @Test
    void shouldHoldALoneRequestForMaxWaitThenRunIt() {
        try (InferenceEngine engine = InferenceEngine.open(
                EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(8, Duration.ofMillis(300), 64))) {
            GenerationResult r =
                    engine.submit(GenerationRequest.of("lone", "Hi")).join();
            assertEquals(1, r.batchSize());
            assertTrue(r.queuedNanos() >= 300 * MS, "queued " + r.queuedNanos() / MS + " ms");
        }
    }

    @Test
    void shouldRejectOverloadAtOnceInsteadOfQueueingWithoutBound() {
        // one running + at most two queued; every other submission is refused immediately
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(EngineConfig.defaults(Fixtures.tinyGptj())
                        .withBatching(1, Duration.ZERO, 2)
                        .withMaxNewTokensCap(400))) {
            GenerationParams slow =
                    GenerationParams.DEFAULTS.withMaxNewTokens(400).withIgnoreEos(true);
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            futures.add(engine.submit(new GenerationRequest("r0", "Hi", slow)));
            gate.awaitHeld(); // r0 runs (held there, however fast the model) while the others arrive
            for (int i = 1; i < 10; i++) {
                futures.add(engine.submit(new GenerationRequest("r" + i, "Hi", slow)));
            }
            long overloaded = futures.stream()
                    .filter(CompletableFuture::isCompletedExceptionally)
                    .map(f -> EngineException.from(assertThrows(CompletionException.class, f::join))
                            .code())
                    .filter(code -> code == ErrorCode.OVERLOADED)
                    .count();
            assertEquals(7, overloaded, "of 10: one running, two queued, the rest refused");
            assertEquals(2, engine.queued());
        }
    }

    @Test
    void shouldEndTheRunningBatchWhenClosed() throws Exception {
        StepGate gate = StepGate.shut();
        InferenceEngine engine = gate.open(EngineConfig.defaults(Fixtures.tinyGptj())
                .withBatching(4, Duration.ZERO, 64)
                .withMaxNewTokensCap(2000));
        GenerationParams endless =
                GenerationParams.DEFAULTS.withMaxNewTokens(2000).withIgnoreEos(true);
        CompletableFuture<GenerationResult> running = engine.submit(new GenerationRequest("long", "Hi", endless));
        gate.awaitHeld(); // the batch runs, and stays at this step until the close
        CompletableFuture<GenerationResult> queuedBehind = engine.submit(new GenerationRequest("next", "Hi", endless));
        engine.close();
        assertEquals(
                ErrorCode.CLOSED,
                EngineException.from(assertThrows(Exception.class, () -> running.get(30, TimeUnit.SECONDS)))
                        .code());
        assertEquals(
                ErrorCode.CLOSED,
                EngineException.from(assertThrows(Exception.class, () -> queuedBehind.get(30, TimeUnit.SECONDS)))
                        .code());
        assertEquals(
                ErrorCode.CLOSED,
                EngineException.from(assertThrows(
                                CompletionException.class,
                                () -> engine.submit(GenerationRequest.of("after", "Hi"))
                                        .join()))
                        .code());
    }

    @Test
    void shouldFailARequestWhoseDeadlinePassesWhileQueued() {
        EngineConfig config = EngineConfig.defaults(Fixtures.tinyGptj())
                .withBatching(1, Duration.ZERO, 8)
                .withMaxNewTokensCap(2000);
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config)) {
            // held by the gate, not by its length: it runs as long as the test needs
            GenerationParams slow =
                    GenerationParams.DEFAULTS.withMaxNewTokens(32).withIgnoreEos(true);
            CompletableFuture<GenerationResult> running = engine.submit(new GenerationRequest("slow", "Hi", slow));
            gate.awaitHeld(); // the slow request's batch runs: the next ones queue behind it
            Instant lateDeadline = Instant.now().plusMillis(50);
            CompletableFuture<GenerationResult> late = engine.submit(GenerationRequest.of("late", "Hi"), lateDeadline);
            CompletableFuture<GenerationResult> patient = engine.submit(
                    GenerationRequest.of("patient", "Hi"), Instant.now().plusSeconds(120));
            // the event this case is about is the deadline itself: wait for the clock to pass it, then let the batch
            // end
            Await.until(
                    "the late request's deadline to pass", () -> Instant.now().isAfter(lateDeadline));
            gate.release();
            assertEquals(
                    ErrorCode.DEADLINE_EXCEEDED,
                    EngineException.from(assertThrows(CompletionException.class, late::join))
                            .code());
            assertEquals(32, running.join().outputIds().length);
            assertEquals(5, patient.join().outputIds().length, "a deadline not reached does not matter");
        }
        // a max queue age, and a request held in its batch (by the gate) until the one queued behind it is older
        try (StepGate gate = StepGate.shut();
                InferenceEngine aged = gate.open(config.withMaxQueueAge(Duration.ofMillis(500)))) {
            CompletableFuture<GenerationResult> running = aged.submit(new GenerationRequest(
                    "slow", "Hi", GenerationParams.DEFAULTS.withMaxNewTokens(32).withIgnoreEos(true)));
            gate.awaitHeld(); // the slow request is in its batch before the next one queues
            long queuedAt = System.nanoTime();
            CompletableFuture<GenerationResult> queued = aged.submit(GenerationRequest.of("queued", "Hi"));
            Await.until(
                    "the queued request to be older than the max queue age",
                    () -> System.nanoTime() - queuedAt > Duration.ofMillis(500).toNanos());
            gate.release();
            assertEquals(
                    ErrorCode.DEADLINE_EXCEEDED,
                    EngineException.from(assertThrows(CompletionException.class, queued::join))
                            .code(),
                    "max queue age applies to requests without a deadline");
            running.join();
        }
    }

    @Test
    void shouldLetAProducerWaitForRoomInAFullQueue() {
        EngineConfig config = EngineConfig.defaults(Fixtures.tinyGptj())
                .withBatching(1, Duration.ZERO, 1)
                .withMaxNewTokensCap(2000);
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config)) {
            GenerationParams slow =
                    GenerationParams.DEFAULTS.withMaxNewTokens(32).withIgnoreEos(true);
            CompletableFuture<GenerationResult> first = engine.submit(new GenerationRequest("1", "Hi", slow));
            gate.awaitHeld(); // the worker took the first, and runs it until the gate opens
            CompletableFuture<GenerationResult> second = engine.submit(new GenerationRequest("2", "Hi", slow));
            assertTrue(!engine.awaitCapacity(Duration.ofMillis(20)), "full: one running, one queued");
            gate.release();
            assertTrue(engine.awaitCapacity(Duration.ofSeconds(60)), "room once the worker takes the second");
            first.join();
            second.join();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
