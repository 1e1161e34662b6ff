package dev.gptjt.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * An extract task with {@code output=spans} through the engine's Java loop on the committed tiny fixture (random
 * weights: left free it writes noise): every answer parses into spans of its input, the budget closes the list,
 * sampling keeps to the shape, and free rows in the same batch answer exactly as alone.
 */
class SpanExtractionTest {
    private static final Duration MAX_WAIT = Duration.ofMillis(200);
    private static final Path TINY = Path.of(System.getProperty("gptjt.models", "../models"), "tiny-gptj");
    private static final TaskDefinition ENTITIES = new TaskDefinition(
            "entities",
            "Extract all the names of people, places, and organizations from the following sentences.\n\n"
                    + "Sentence: Satya Nadella, the CEO of Microsoft, was visiting the Bahamas last May.\n"
                    + "Entities: Satya Nadella, Microsoft, Bahamas\n\nSentence: {input}\nEntities:",
            TaskDefinition.Mode.EXTRACT,
            List.of(),
            "gptjt.results.entities",
            24,
            List.of("\n"),
            false,
            TaskDefinition.OutputShape.SPANS,
            null,
            List.of());
    private static final List<String> SENTENCES = List.of(
            "Pacific Northwest cities include Seattle and Portland, which I have visited with Vikash.",
            "Zoë flew from São Paulo to 東京 with Acme Corp 🚀",
            "",
            "typed <|endoftext|> by Ana; then (Bob) left",
            "none of this, and nothing else");

    private static EngineConfig config(int batch) {
        return EngineConfig.defaults(TINY).withBatching(batch, MAX_WAIT, 64);
    }

    @Test
    void shouldAnswerEverySentenceWithSpansOfItsInputThatParse() {
        try (InferenceEngine engine = InferenceEngine.open(config(8))) {
            for (int budget : new int[] {6, 9, 24}) {
                GenerationParams greedy = GenerationParams.DEFAULTS.withMaxNewTokens(budget);
                for (GenerationParams params : List.of(
                        greedy.withStop(ENTITIES.stop()),
                        greedy.withStop(ENTITIES.stop()).withSampling(1.3, 0, 0.95, 7L),
                        greedy)) { // without the stop sequence the list's end is followed by end-of-sequence
                    for (String sentence : SENTENCES) {
                        GenerationResult r = engine.submit(ENTITIES.generation("s", sentence, params))
                                .join();
                        assertSpansOf(sentence, r);
                    }
                }
            }
        }
    }

    @Test
    void shouldLeaveFreeRowsOfTheSameBatchAsTheyAreAlone() {
        GenerationParams free = GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true);
        String prompt = "The capital of France is";
        int[] alone;
        try (InferenceEngine engine = InferenceEngine.open(config(1))) {
            alone = engine.submit(new GenerationRequest("free", prompt, free))
                    .join()
                    .outputIds();
        }
        try (InferenceEngine engine = InferenceEngine.open(config(SENTENCES.size() + 1))) {
            List<CompletableFuture<GenerationResult>> constrained = new ArrayList<>();
            for (String sentence : SENTENCES) {
                constrained.add(engine.submit(
                        ENTITIES.generation("s", sentence, GenerationParams.DEFAULTS.withMaxNewTokens(24))));
            }
            GenerationResult mixed =
                    engine.submit(new GenerationRequest("free", prompt, free)).join();
            assertArrayEquals(alone, mixed.outputIds());
            for (int i = 0; i < SENTENCES.size(); i++) {
                assertSpansOf(SENTENCES.get(i), constrained.get(i).join());
            }
        }
    }

    @Test
    void shouldJumpOverForcedTokensAndAnswerAsAloneInABusyBatch() {
        GenerationParams params = GenerationParams.DEFAULTS.withMaxNewTokens(24).withStop(ENTITIES.stop());
        List<GenerationResult> alone = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngine.open(config(1))) {
            for (String sentence : SENTENCES) {
                alone.add(engine.submit(ENTITIES.generation("s", sentence, params))
                        .join());
            }
        }
        int forced = alone.stream().mapToInt(GenerationResult::forcedTokens).sum();
        assertTrue(forced > 0, "some tokens were forced: " + alone);
        // the same rows beside free ones, joining a running batch in two waves: each jump leaves gaps in the
        // other rows' cache, which merges close
        GenerationParams free = GenerationParams.DEFAULTS.withMaxNewTokens(20).withIgnoreEos(true);
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config(SENTENCES.size() + 2))) {
            List<CompletableFuture<GenerationResult>> busy = new ArrayList<>();
            CompletableFuture<GenerationResult> first = engine.submit(new GenerationRequest("free", "Hello", free));
            for (int i = 0; i < SENTENCES.size(); i++) {
                if (i == 2) {
                    gate.awaitHeld(); // the first wave is running, held at a step boundary while the second queues
                }
                busy.add(engine.submit(ENTITIES.generation("s", SENTENCES.get(i), params)));
            }
            // the second wave waits out max-wait for company, then joins the running first wave at the next boundary
            long queuedAt = System.nanoTime();
            Await.until("max-wait to pass", () -> System.nanoTime() - queuedAt > MAX_WAIT.toNanos());
            gate.stepUntil("the second wave to join the running batch", () -> engine.queued() == 0);
            gate.release();
            CompletableFuture<GenerationResult> last =
                    engine.submit(new GenerationRequest("free", "The capital of France is", free));
            for (int i = 0; i < SENTENCES.size(); i++) {
                GenerationResult r = busy.get(i).join();
                assertArrayEquals(alone.get(i).outputIds(), r.outputIds(), SENTENCES.get(i));
                assertEquals(alone.get(i).forcedTokens(), r.forcedTokens(), SENTENCES.get(i));
                assertSpansOf(SENTENCES.get(i), r);
            }
            first.join();
            last.join();
        }
        // off, every token is a step: the answers still parse, none forced
        try (InferenceEngine engine = InferenceEngine.open(config(8).withJumpForward(false))) {
            for (String sentence : SENTENCES) {
                GenerationResult r = engine.submit(ENTITIES.generation("s", sentence, params))
                        .join();
                assertSpansOf(sentence, r);
                assertEquals(0, r.forcedTokens());
            }
        }
    }

    @Test
    void shouldTypeEveryEntityWithATypeOfTheTask() {
        TaskDefinition typed = new TaskDefinition(
                ENTITIES.name(),
                ENTITIES.template(),
                ENTITIES.mode(),
                ENTITIES.labels(),
                ENTITIES.topic(),
                ENTITIES.maxNewTokens(),
                ENTITIES.stop(),
                false,
                TaskDefinition.OutputShape.SPANS,
                null,
                List.of("person", "place", "org"));
        try (InferenceEngine engine = InferenceEngine.open(config(8))) {
            for (String sentence : SENTENCES) {
                GenerationResult r = engine.submit(typed.generation(
                                "t",
                                sentence,
                                GenerationParams.DEFAULTS.withMaxNewTokens(32).withStop(typed.stop())))
                        .join();
                assertSpansOf(sentence, r);
                for (EntityParser.ExtractedEntity e : EntityParser.parse(r.text())) {
                    assertTrue(List.of("person", "place", "org").contains(e.type()), r.text());
                }
            }
        }
        IllegalArgumentException untyped = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new TaskDefinition(
                        "e",
                        "{input}",
                        TaskDefinition.Mode.EXTRACT,
                        List.of(),
                        "t",
                        8,
                        List.of(),
                        false,
                        TaskDefinition.OutputShape.FREE,
                        null,
                        List.of("person")));
        assertTrue(untyped.getMessage().contains("entity-types"), untyped.getMessage());
    }

    private static void assertSpansOf(String sentence, GenerationResult r) {
        // without the stop sequence the list's end is its newline, then end-of-sequence if a token is left for it
        assertTrue(
                r.finishReason() == FinishReason.STOP
                        || (r.finishReason() != FinishReason.STOP && r.text().endsWith("\n")),
                "the list is closed within the budget, by the stop sequence or its end: " + r);
        List<EntityParser.ExtractedEntity> entities = EntityParser.parse(r.text());
        String items = r.text().strip();
        assertTrue(items.equals("none") || entities.size() == items.split(", ").length, r.text());
        List<String> spans = SpanListAutomaton.spansOf(sentence, ENTITIES.spanFormat());
        for (EntityParser.ExtractedEntity e : entities) {
            assertTrue(spans.contains(e.text()) && sentence.contains(e.text()), e.text() + " of " + sentence);
        }
    }
}
