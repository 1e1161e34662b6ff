package dev.gptjt.engine.internal.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The converted fixture ({@code gptjt convert --greedy-in-graph}) run by the in-graph backend
 * reproduces Hugging Face's goldens and the Java loop's output.
 */
class InGraphGreedyTest {
    /** The goldens are 8 greedy tokens; none is EOS, so stopping at EOS changes nothing. */
    private static final GenerationParams GOLDEN = GenerationParams.DEFAULTS.withMaxNewTokens(8);

    @TempDir
    static Path tmp;

    private static Path converted;
    private static InferenceEngine unbatched;
    private static InferenceEngine batched;
    private static InferenceEngine javaLoop;

    @BeforeAll
    static void convertAndOpen() {
        converted = tmp.resolve("tiny-greedy");
        Path written = GreedySearchConverter.convert(ModelDirectory.open(Fixtures.tinyGptj()), converted);
        assertEquals(converted.resolve(ModelDirectory.GREEDY_SEARCH_FILE), written);
        EngineConfig base = EngineConfig.defaults(converted).withBackend(DecodingBackend.IN_GRAPH);
        unbatched = InferenceEngine.open(base.withBatching(1, Duration.ZERO, 64));
        // max-wait long enough that all eight submissions land in one left-padded batch
        batched = InferenceEngine.open(base.withBatching(8, Duration.ofSeconds(5), 64));
        javaLoop = InferenceEngine.open(
                base.withBackend(DecodingBackend.JAVA_LOOP).withBatching(8, Duration.ofSeconds(5), 64));
    }

    @AfterAll
    static void close() {
        unbatched.close();
        batched.close();
        javaLoop.close();
    }

    @Test
    void shouldLinkTheDecoderAndCopyTheSmallFilesIntoTheOutputDirectory() throws IOException {
        assertTrue(Files.isSymbolicLink(converted.resolve(ModelDirectory.MODEL_FILE)));
        assertTrue(Files.isRegularFile(converted.resolve(ModelDirectory.CONFIG_FILE)));
        assertTrue(Files.size(converted.resolve(ModelDirectory.GREEDY_SEARCH_FILE)) > 0);
        assertTrue(ModelDirectory.open(converted).greedySearchFile().isPresent());
    }

    @Test
    void shouldReproduceEveryGoldenOneAtATime() {
        unbatched.warmUp(); // both backends' warm-up leave nothing behind
        for (Fixtures.GenerationCase c : Fixtures.generationCases()) {
            GenerationResult r = unbatched
                    .submit(new GenerationRequest(c.prompt(), c.prompt(), GOLDEN))
                    .join();
            assertArrayEquals(c.hfOutputIds(), r.outputIds(), c.prompt());
            assertEquals(InGraphGreedyBackend.NAME, r.backend());
            assertEquals(1, r.batchSize());
        }
    }

    @Test
    void shouldReproduceEveryGoldenInOneLeftPaddedBatch() {
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        List<CompletableFuture<GenerationResult>> futures = cases.stream()
                .map(c -> batched.submit(new GenerationRequest(c.prompt(), c.prompt(), GOLDEN)))
                .toList();
        for (int i = 0; i < cases.size(); i++) {
            GenerationResult r = futures.get(i).join();
            assertEquals(cases.size(), r.batchSize(), "all eight prompts must share one operator call");
            assertEquals(InGraphGreedyBackend.NAME, r.backend());
            assertArrayEquals(
                    cases.get(i).hfOutputIds(), r.outputIds(), cases.get(i).prompt());
        }
    }

    @Test
    void shouldEqualTheJavaLoopWithMixedLimitsAndStopSequences() {
        // Row i asks for 1..8 tokens, every other row with a stop sequence taken from its own expected text:
        // limits and stops are applied to the operator's ids afterwards, and must give the loop's results.
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        Gpt2Tokenizer tokenizer = unbatched.tokenizer();
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            GenerationParams p = GOLDEN.withMaxNewTokens(1 + i);
            if (i % 2 == 1) {
                String text = tokenizer.decode(cases.get(i).hfOutputIds());
                p = p.withStop(List.of(text.substring(Math.max(0, text.length() - 3))));
            }
            requests.add(new GenerationRequest("r" + i, cases.get(i).prompt(), p));
        }
        List<CompletableFuture<GenerationResult>> inGraph =
                requests.stream().map(batched::submit).toList();
        List<CompletableFuture<GenerationResult>> loop =
                requests.stream().map(javaLoop::submit).toList();
        for (int i = 0; i < requests.size(); i++) {
            GenerationResult a = inGraph.get(i).join();
            GenerationResult b = loop.get(i).join();
            assertEquals("ort-java-loop", b.backend());
            assertEquals(InGraphGreedyBackend.NAME, a.backend());
            assertArrayEquals(b.outputIds(), a.outputIds(), requests.get(i).id());
            assertEquals(b.text(), a.text());
            assertEquals(b.finishReason(), a.finishReason());
        }
    }

    @Test
    void shouldSendSamplingAndIgnoreEosRequestsToTheJavaLoop() {
        Fixtures.GenerationCase c = Fixtures.generationCases().get(0);
        GenerationResult sampled = unbatched
                .submit(new GenerationRequest("s", c.prompt(), GOLDEN.withSampling(0.8, 0, 1.0, 7L)))
                .join();
        GenerationResult ignoring = unbatched
                .submit(new GenerationRequest("e", c.prompt(), GOLDEN.withIgnoreEos(true)))
                .join();
        assertEquals("ort-java-loop", sampled.backend());
        assertEquals("ort-java-loop", ignoring.backend());
        assertArrayEquals(c.hfOutputIds(), ignoring.outputIds());
    }

    @Test
    void shouldReferenceExternalWeightsWithoutCopyingThem() throws IOException {
        Path external = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("tiny-external"));
        long moved = Fixtures.externalize(external.resolve(ModelDirectory.MODEL_FILE), "model.onnx_data");
        assertTrue(moved > 10_000_000, "most weights must live in the data file, moved " + moved);
        Path out = tmp.resolve("tiny-external-greedy");
        GreedySearchConverter.convert(ModelDirectory.open(external), out);
        assertTrue(
                Files.size(out.resolve(ModelDirectory.GREEDY_SEARCH_FILE)) < 1_000_000,
                "weights must stay out of the protobuf");
        assertTrue(Files.notExists(out.resolve("model.onnx_data")), "weights stay in the source directory");
        assertEquals(external.toRealPath(), ModelDirectory.open(out).weightsDir());
        try (InferenceEngine engine = InferenceEngine.open(EngineConfig.defaults(out)
                .withBackend(DecodingBackend.IN_GRAPH)
                .withBatching(8, Duration.ofSeconds(5), 64))) {
            List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
            List<CompletableFuture<GenerationResult>> futures = cases.stream()
                    .map(c -> engine.submit(new GenerationRequest(c.prompt(), c.prompt(), GOLDEN)))
                    .toList();
            for (int i = 0; i < cases.size(); i++) {
                GenerationResult r = futures.get(i).join();
                assertEquals(InGraphGreedyBackend.NAME, r.backend());
                assertArrayEquals(
                        cases.get(i).hfOutputIds(), r.outputIds(), cases.get(i).prompt());
            }
            // the Java loop on the same external weights, through its own graph rewrite (ignore_eos routes it there)
            GenerationResult loop = engine.submit(
                            new GenerationRequest("loop", cases.get(0).prompt(), GOLDEN.withIgnoreEos(true)))
                    .join();
            assertEquals("ort-java-loop", loop.backend());
            assertArrayEquals(cases.get(0).hfOutputIds(), loop.outputIds());
        }
    }

    @Test
    void shouldStopALongInGraphGenerationPromptlyOnClose() throws Exception {
        StepGate gate = StepGate.open();
        InferenceEngine engine = gate.open(EngineConfig.defaults(converted)
                .withBackend(DecodingBackend.IN_GRAPH)
                .withBatching(1, Duration.ZERO, 8)
                .withMaxNewTokensCap(2000));
        Fixtures.GenerationCase c = Fixtures.generationCases().get(0);
        CompletableFuture<GenerationResult> running =
                engine.submit(new GenerationRequest("long", c.prompt(), GOLDEN.withMaxNewTokens(2000)));
        // the operator's loop has no step boundary to hold: wait until the batch started and the scheduler thread is
        // inside OrtSession.run (its stack says so), whatever the model's speed
        gate.awaitBatches(1);
        Await.until("the scheduler thread inside OrtSession.run", InGraphGreedyTest::schedulerInsideOrtRun);
        assertFalse(running.isDone(), "still generating when the engine closes");
        long start = System.nanoTime();
        engine.close();
        long closedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(closedMs < 2000, "close took " + closedMs + " ms");
        CompletionException e = assertThrows(CompletionException.class, running::join);
        assertEquals(ErrorCode.CLOSED, EngineException.from(e.getCause()).code());
    }

    /** True while the engine's scheduler thread is inside ONNX Runtime's {@code OrtSession.run}. */
    private static boolean schedulerInsideOrtRun() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals("gptjt-batch-scheduler"))
                .flatMap(e -> Arrays.stream(e.getValue()))
                .anyMatch(f -> f.getClassName().equals("ai.onnxruntime.OrtSession")
                        && f.getMethodName().equals("run"));
    }

    @Test
    void shouldRefuseToStartInGraphWithoutAConvertedModel() {
        EngineException e = assertThrows(
                EngineException.class,
                () -> InferenceEngine.open(
                        EngineConfig.defaults(Fixtures.tinyGptj()).withBackend(DecodingBackend.IN_GRAPH)));
        assertEquals(ErrorCode.MODEL_INVALID, e.code());
        assertTrue(e.getMessage().contains("gptjt convert"), e.getMessage());
    }

    @Test
    void shouldRefuseAVocabularyWithNoUnusedIdForPadding() throws IOException {
        ModelDirectory tiny = ModelDirectory.open(Fixtures.tinyGptj());
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(tiny.vocabFile(), tiny.mergesFile());
        ModelConfig c = tiny.config();
        ModelConfig full = new ModelConfig(
                c.nLayer(), c.nHead(), c.nEmbd(), c.rotaryDim(), tokenizer.vocabSize(), c.nPositions(), c.eosTokenId());
        EngineException e =
                assertThrows(EngineException.class, () -> GreedySearchConverter.padTokenId(full, tokenizer));
        assertEquals(ErrorCode.MODEL_INVALID, e.code());
        assertEquals(50399, GreedySearchConverter.padTokenId(c, tokenizer));
    }
}
