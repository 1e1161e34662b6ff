package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine reproduces Hugging Face's greedy generations of the fixture, token for token. */
class GoldenGenerationTest {
    private static final GenerationParams HF_GOLDEN =
            GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true);
    private static InferenceEngine unbatched;
    private static InferenceEngine batched;

    @BeforeAll
    static void open() {
        EngineConfig base = EngineConfig.defaults(Fixtures.tinyGptj());
        unbatched = InferenceEngine.open(base.withBatching(1, Duration.ZERO, 64));
        // max-wait long enough that all eight submissions land in one left-padded batch
        batched = InferenceEngine.open(base.withBatching(8, Duration.ofSeconds(5), 64));
    }

    @AfterAll
    static void close() {
        unbatched.close();
        batched.close();
    }

    @Test
    void shouldTokenizeEveryPromptAsTheGoldenInput() {
        for (Fixtures.GenerationCase c : Fixtures.generationCases()) {
            assertArrayEquals(c.inputIds(), unbatched.tokenizer().encode(c.prompt()), c.prompt());
        }
    }

    @Test
    void shouldReproduceEveryGoldenOneAtATime() {
        for (Fixtures.GenerationCase c : Fixtures.generationCases()) {
            GenerationResult r = unbatched
                    .submit(new GenerationRequest(c.prompt(), c.prompt(), HF_GOLDEN))
                    .join();
            assertArrayEquals(c.hfOutputIds(), r.outputIds(), c.prompt());
            assertEquals(1, r.batchSize());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(c.inputIds().length, r.promptTokens());
        }
    }

    @Test
    void shouldReproduceEveryGoldenInOneLeftPaddedBatch() {
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        List<CompletableFuture<GenerationResult>> futures = cases.stream()
                .map(c -> batched.submit(new GenerationRequest(c.prompt(), c.prompt(), HF_GOLDEN)))
                .toList();
        for (int i = 0; i < cases.size(); i++) {
            GenerationResult r = futures.get(i).join();
            assertEquals(cases.size(), r.batchSize(), "all eight prompts must share one batch");
            assertArrayEquals(
                    cases.get(i).hfOutputIds(), r.outputIds(), cases.get(i).prompt());
            assertEquals(unbatched.tokenizer().decode(cases.get(i).hfOutputIds()), r.text());
        }
    }
}
