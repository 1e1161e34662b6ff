package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.LiteralThenLetters;
import dev.gptjt.engine.testing.StepGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Jump-forward through the Java loop on the committed tiny fixture: rows whose shape forces a literal of a few tokens
 * (of different lengths), then lets the model write letters. Admitted together, their forced runs are fed in one wide
 * step, the shorter ones after masked pads (gaps in their cache), and rows joining later merge with them: every row
 * writes what it writes alone, and its forced tokens are the literal's.
 */
class JumpForwardEngineTest {
    private static final List<String> LITERALS =
            List.of("Answer:", "The final answer is:", "Result of the review:", "In short:");
    private static final int LETTERS = 5;
    private static final Duration MAX_WAIT = Duration.ofMillis(300);

    private static EngineConfig config(int batch) {
        return EngineConfig.defaults(Fixtures.tinyGptj())
                .withBackend(DecodingBackend.JAVA_LOOP)
                .withBatching(batch, MAX_WAIT, 64);
    }

    private static GenerationRequest request(int i) {
        return new GenerationRequest(
                "r" + i,
                "Question " + i + ": is this fine?",
                GenerationParams.DEFAULTS.withMaxNewTokens(24),
                new LiteralThenLetters(LITERALS.get(i % LITERALS.size()), LETTERS));
    }

    @Test
    void shouldWriteInABusyBatchWhatEachRowWritesAlone() {
        List<GenerationResult> alone = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngine.open(config(1))) {
            for (int i = 0; i < 6; i++) {
                alone.add(engine.submit(request(i)).join());
            }
        }
        for (int i = 0; i < alone.size(); i++) {
            GenerationResult r = alone.get(i);
            String literal = LITERALS.get(i % LITERALS.size());
            assertTrue(r.text().startsWith(literal), r.text());
            assertTrue(r.text().substring(literal.length()).matches("[a-z]{" + LETTERS + "}"), r.text());
            assertEquals(FinishReason.EOS, r.finishReason(), "the shape's end forces end-of-sequence: " + r);
            assertTrue(r.forcedTokens() > 0, "the literal's tail is forced: " + r);
        }
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config(8))) {
            List<CompletableFuture<GenerationResult>> busy = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                busy.add(engine.submit(request(i))); // one batch: their jumps share wide steps
            }
            gate.awaitHeld(); // the four run, held at their first step boundary
            long queuedAt = System.nanoTime();
            for (int i = 4; i < 6; i++) {
                busy.add(engine.submit(request(i))); // joining the running rows, gaps and all
            }
            // two queued wait out max-wait for company, then join at the next boundary
            Await.until("max-wait to pass", () -> System.nanoTime() - queuedAt > MAX_WAIT.toNanos());
            // boundary by boundary: the scheduler's max-wait counts from its own enqueue time, a little after ours
            gate.stepUntil("the two to join the running batch", () -> engine.queued() == 0);
            assertTrue(busy.subList(0, 4).stream().noneMatch(CompletableFuture::isDone), "they joined running rows");
            gate.release();
            CompletableFuture<GenerationResult> free = engine.submit(new GenerationRequest(
                    "free",
                    "Hello there",
                    GenerationParams.DEFAULTS.withMaxNewTokens(12).withIgnoreEos(true)));
            for (int i = 0; i < busy.size(); i++) {
                GenerationResult r = busy.get(i).join();
                assertArrayEquals(alone.get(i).outputIds(), r.outputIds(), r.text());
                assertEquals(alone.get(i).forcedTokens(), r.forcedTokens(), r.text());
            }
            free.join();
        }
    }
}
