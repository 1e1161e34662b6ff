package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.internal.scheduler.BatchPolicy;
import dev.gptjt.engine.testing.StepGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Requests that arrive while a batch runs join it at the next step, and every row still equals its
 * unbatched generation (Hugging Face's goldens).
 */
class ContinuousBatchingTest {
    private static final GenerationParams GOLDEN =
            GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true);

    private static final long MS = 1_000_000L;

    /**
     * The long request's length: long enough that what the test checks (8 joins and their 8 tokens each) happens
     * before it ends; the gate, not this length, keeps it running while they join.
     */
    private static final int LONG = 200;

    @Test
    void shouldAdmitAsDocumented() {
        assertEquals(6, BatchPolicy.admit(10, 0, 2, 8, 10 * MS, 2 * MS), "enough to fill the room: at once");
        assertEquals(0, BatchPolicy.admit(3, 4 * MS, 2, 8, 10 * MS, 2 * MS), "a few: the oldest waits for company");
        assertEquals(3, BatchPolicy.admit(3, 10 * MS, 2, 8, 10 * MS, 2 * MS), "until max-wait");
        assertEquals(0, BatchPolicy.admit(10, 99 * MS, 8, 8, 10 * MS, 2 * MS), "a full batch admits none");
        assertEquals(0, BatchPolicy.admit(0, 0, 2, 8, 10 * MS, 2 * MS));
        assertEquals(1, BatchPolicy.admit(1, 0, 2, 8, 0, 0), "max-wait 0 never holds");
        //   max-wait 10 ms, steps of 15 ms:  arrival ─ 3 ms ─▶ boundary (admit now) ─ 15 ms ─▶ next boundary at 18 ms
        assertEquals(
                1,
                BatchPolicy.admit(1, 3 * MS, 2, 8, 10 * MS, 15 * MS),
                "the next boundary would be past max-wait: now");
        assertEquals(
                0,
                BatchPolicy.admit(1, 3 * MS, 2, 8, 10 * MS, 5 * MS),
                "the next boundary is within max-wait: wait for it");
    }

    @Test
    void shouldJoinTheRunningBatchAndReproduceEveryGolden() throws Exception {
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(EngineConfig.defaults(Fixtures.tinyGptj())
                        .withBatching(16, Duration.ZERO, 64)
                        .withBackend(DecodingBackend.JAVA_LOOP)
                        .withMaxNewTokensCap(LONG))) {
            engine.warmUp(); // leaves nothing behind: the goldens below still come out exact
            // a long request starts alone; the goldens arrive one by one while it runs, each joining at its own
            // step boundary (so at its own cache length): the gate holds the batch at each boundary until one has
            // queued
            Fixtures.GenerationCase longCase = cases.get(0);
            CompletableFuture<GenerationResult> running =
                    engine.submit(new GenerationRequest("long", longCase.prompt(), GOLDEN.withMaxNewTokens(LONG)));
            List<CompletableFuture<GenerationResult>> joined = new ArrayList<>();
            for (Fixtures.GenerationCase c : cases) {
                gate.awaitHeld();
                joined.add(engine.submit(new GenerationRequest(c.prompt(), c.prompt(), GOLDEN)));
                gate.step(); // it joins at this boundary
            }
            gate.stepUntil("every golden to end", () -> joined.stream().allMatch(CompletableFuture::isDone));
            assertFalse(running.isDone(), "the short requests finished while the long one still ran");
            gate.release();
            for (int i = 0; i < cases.size(); i++) {
                GenerationResult r = joined.get(i).join();
                assertArrayEquals(
                        cases.get(i).hfOutputIds(), r.outputIds(), cases.get(i).prompt());
                assertTrue(r.batchSize() > 1, cases.get(i).prompt() + " ran beside the long request: " + r.batchSize());
            }
            GenerationResult longResult = running.join();
            assertEquals(LONG, longResult.outputIds().length);
            assertArrayEquals(
                    longCase.hfOutputIds(),
                    Arrays.copyOf(longResult.outputIds(), 8),
                    "the long row's prefix is its golden");
        }
    }

    @Test
    void shouldScoreAClassificationAtTheNextStepInsteadOfAfterTheBatch() throws Exception {
        Fixtures.GenerationCase c = Fixtures.generationCases().get(1);
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(EngineConfig.defaults(Fixtures.tinyGptj())
                        .withBatching(16, Duration.ZERO, 64)
                        .withBackend(DecodingBackend.JAVA_LOOP)
                        .withMaxNewTokensCap(LONG))) {
            CompletableFuture<GenerationResult> running =
                    engine.submit(new GenerationRequest("long", c.prompt(), GOLDEN.withMaxNewTokens(LONG)));
            gate.awaitHeld(); // the long generation runs
            CompletableFuture<ClassificationResult> scoring =
                    engine.classify(new ClassificationRequest("c", c.prompt(), List.of(" yes", " no"), false));
            gate.step(); // one boundary: the classification joins here and is scored before the next step ends
            ClassificationResult label = scoring.join();
            assertFalse(running.isDone(), "answered while the long generation still runs");
            gate.release();
            assertEquals(2, label.scores().size());
            assertEquals(2, label.batchSize(), "reported beside the running row");
            assertEquals(LONG, running.join().outputIds().length);
        }
    }
}
