package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationBehaviourTest {
    private static InferenceEngine engine;
    private static final List<Fixtures.GenerationCase> CASES = Fixtures.generationCases();

    @BeforeAll
    static void open() {
        engine = InferenceEngine.open(
                EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(8, Duration.ofMillis(50), 64));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static GenerationResult run(String prompt, GenerationParams params) {
        return engine.submit(new GenerationRequest("r", prompt, params)).join();
    }

    @Test
    void shouldReproduceSeededSampling() {
        GenerationParams sampled = GenerationParams.DEFAULTS
                .withMaxNewTokens(12)
                .withIgnoreEos(true)
                .withSampling(1.5, 0, 0.95, 42L);
        GenerationResult a = run(CASES.get(0).prompt(), sampled);
        GenerationResult b = run(CASES.get(0).prompt(), sampled);
        GenerationResult other = run(CASES.get(0).prompt(), sampled.withSampling(1.5, 0, 0.95, 7L));
        assertArrayEquals(a.outputIds(), b.outputIds());
        assertFalse(
                Arrays.equals(a.outputIds(), other.outputIds()),
                "another seed should draw other tokens at temperature 1.5");
    }

    @Test
    void shouldTreatTopKOneAsGreedyWhateverTheTemperature() {
        Fixtures.GenerationCase c = CASES.get(1);
        GenerationParams topK1 = GenerationParams.DEFAULTS
                .withMaxNewTokens(8)
                .withIgnoreEos(true)
                .withSampling(2.0, 1, 0.5, 99L);
        assertArrayEquals(c.hfOutputIds(), run(c.prompt(), topK1).outputIds());
        GenerationParams zeroTemperature = GenerationParams.DEFAULTS
                .withMaxNewTokens(8)
                .withIgnoreEos(true)
                .withSampling(0.0, 50, 1.0, null);
        assertArrayEquals(c.hfOutputIds(), run(c.prompt(), zeroTemperature).outputIds());
    }

    @Test
    void shouldCutAtTheFirstStopSequenceWithoutReturningIt() {
        Fixtures.GenerationCase c = CASES.get(0);
        String full = engine.tokenizer().decode(c.hfOutputIds());
        String third = engine.tokenizer().decode(new int[] {c.hfOutputIds()[2]});
        // the stop text is the third generated token's text; what precedes its first occurrence is returned
        GenerationResult r = run(
                c.prompt(),
                GenerationParams.DEFAULTS
                        .withMaxNewTokens(8)
                        .withIgnoreEos(true)
                        .withStop(List.of("zzzz-never", third)));
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(full.substring(0, full.indexOf(third)), r.text());
        assertTrue(r.outputIds().length <= 3, "generation stops once the stop text appears");
    }

    @Test
    void shouldEndARowAtEosWhileTheOthersGoOn(@TempDir Path tmp) throws Exception {
        // A copy of the fixture whose EOS is the token case 0 greedily emits third: case 0 ends there.
        Fixtures.GenerationCase first = CASES.get(0);
        int eos = first.hfOutputIds()[2];
        Path dir = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("eos-model"));
        String config = Files.readString(dir.resolve("config.json"))
                .replace("\"eos_token_id\": 50256", "\"eos_token_id\": " + eos);
        Files.writeString(dir.resolve("config.json"), config);
        try (InferenceEngine eosEngine =
                InferenceEngine.open(EngineConfig.defaults(dir).withBatching(8, Duration.ofSeconds(5), 64))) {
            GenerationParams p = GenerationParams.DEFAULTS.withMaxNewTokens(8);
            List<CompletableFuture<GenerationResult>> futures = CASES.stream()
                    .map(c -> eosEngine.submit(new GenerationRequest(c.prompt(), c.prompt(), p)))
                    .toList();
            GenerationResult ended = futures.get(0).join();
            assertEquals(FinishReason.EOS, ended.finishReason());
            assertArrayEquals(Arrays.copyOf(first.hfOutputIds(), 2), ended.outputIds());
            for (int i = 1; i < CASES.size(); i++) {
                GenerationResult r = futures.get(i).join();
                assertEquals(8, r.batchSize());
                int[] golden = CASES.get(i).hfOutputIds();
                int cut = indexOf(golden, eos);
                if (cut < 0) {
                    assertEquals(FinishReason.LENGTH, r.finishReason());
                    assertArrayEquals(golden, r.outputIds(), "other rows go on unchanged");
                } else {
                    assertArrayEquals(Arrays.copyOf(golden, cut), r.outputIds());
                }
            }
        }
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void shouldRejectAPromptThatDoesNotFitTheContextWithATypedError() {
        String longPrompt = "word ".repeat(2046);
        CompletionException e = assertThrows(
                CompletionException.class, () -> run(longPrompt, GenerationParams.DEFAULTS.withMaxNewTokens(5)));
        assertEquals(ErrorCode.PROMPT_TOO_LONG, EngineException.from(e).code());
    }

    @Test
    void shouldRejectAMegabytePromptWithoutEncodingIt() {
        CompletableFuture<GenerationResult> f = engine.submit(GenerationRequest.of("huge", "x".repeat(1 << 20)));
        assertTrue(f.isCompletedExceptionally(), "refused at submission");
        assertEquals(
                ErrorCode.PROMPT_TOO_LONG,
                EngineException.from(assertThrows(CompletionException.class, f::join))
                        .code());
    }

    @Test
    void shouldRejectInvalidParametersAndEmptyPrompts() {
        for (GenerationParams bad : List.of(
                GenerationParams.DEFAULTS.withMaxNewTokens(0),
                GenerationParams.DEFAULTS.withMaxNewTokens(-3),
                GenerationParams.DEFAULTS.withMaxNewTokens(100_000),
                GenerationParams.DEFAULTS.withSampling(-1, 1, 1, null),
                GenerationParams.DEFAULTS.withSampling(Double.NaN, 1, 1, null),
                GenerationParams.DEFAULTS.withSampling(1, -1, 1, null),
                GenerationParams.DEFAULTS.withSampling(1, 0, 1.5, null),
                GenerationParams.DEFAULTS.withStop(List.of("")))) {
            CompletableFuture<GenerationResult> f = engine.submit(new GenerationRequest("bad", "Hi", bad));
            assertTrue(f.isCompletedExceptionally(), "rejected at submission: " + bad);
            assertEquals(
                    ErrorCode.INVALID_PARAMETER,
                    EngineException.from(assertThrows(CompletionException.class, f::join))
                            .code());
        }
        CompletableFuture<GenerationResult> empty = engine.submit(GenerationRequest.of("empty", ""));
        assertEquals(
                ErrorCode.EMPTY_PROMPT,
                EngineException.from(assertThrows(CompletionException.class, empty::join))
                        .code());
    }

    @Test
    void shouldReturnCardDefaultsOfFiveNewTokens() {
        GenerationResult r = run("Hi", GenerationParams.DEFAULTS.withIgnoreEos(true));
        assertEquals(5, r.outputIds().length);
        assertArrayEquals(Arrays.copyOf(CASES.get(6).hfOutputIds(), 5), r.outputIds());
    }
}
