package dev.gptjt.engine.internal.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.model.ModelDirectory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClassificationTest {
    private static final List<String> EMOTIONS = List.of(" sadness", " joy", " love", " anger", " fear", " surprise");
    private static final List<String> HATE = List.of(" hate speech", " not hate speech");
    private static InferenceEngine engine;
    private static InferenceEngine batching;
    private static DecoderSession reference;
    private static final List<Fixtures.GenerationCase> CASES = Fixtures.generationCases();

    @BeforeAll
    static void open() {
        EngineConfig config = EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(8, Duration.ZERO, 64);
        engine = InferenceEngine.open(config);
        batching = InferenceEngine.open(config.withBatching(8, Duration.ofSeconds(5), 64));
        reference = DecoderSession.open(ModelDirectory.open(Fixtures.tinyGptj()), config);
    }

    @AfterAll
    static void close() {
        engine.close();
        batching.close();
        reference.close();
    }

    /** The label's log-probability from one plain pass over prompt + label: no KV cache reuse, no batching. */
    private static double direct(String prompt, String label) throws Exception {
        int[] p = engine.tokenizer().encode(prompt);
        int[] l = engine.tokenizer().encode(label);
        int n = p.length + l.length;
        long[] ids = new long[n];
        long[] mask = new long[n];
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i < p.length ? p[i] : l[i - p.length];
            mask[i] = 1;
            pos[i] = i;
        }
        int vocab = reference.config().vocabSize();
        try (OrtSession.RunOptions options = new OrtSession.RunOptions();
                DecoderStepper.Output out = new DecoderStepper(reference, new KvCacheMerge.BufferPool())
                        .run(ids, mask, pos, 1, n, n, null, positions(p.length - 1, l.length), options)) {
            float[] row = new float[vocab];
            double sum = 0;
            for (int i = 0; i < l.length; i++) {
                out.row(0, i, row);
                double max = Double.NEGATIVE_INFINITY;
                for (float v : row) {
                    max = Math.max(max, v);
                }
                double z = 0;
                for (float v : row) {
                    z += Math.exp(v - max);
                }
                sum += row[l[i]] - (max + Math.log(z));
            }
            return sum;
        }
    }

    private static int[] positions(int from, int count) {
        int[] at = new int[count];
        for (int i = 0; i < count; i++) {
            at[i] = from + i;
        }
        return at;
    }

    private static ClassificationResult classify(String prompt, List<String> labels, boolean normalized) {
        return engine.classify(new ClassificationRequest("c", prompt, labels, normalized))
                .join();
    }

    @Test
    void shouldScoreEachLabelAsADirectComputationDoes() throws Exception {
        for (var c : List.of(CASES.get(2), CASES.get(3))) {
            List<String> labels = c == CASES.get(2) ? EMOTIONS : HATE;
            ClassificationResult r = classify(c.prompt(), labels, false);
            for (ClassificationResult.LabelScore s : r.scores()) {
                assertEquals(direct(c.prompt(), s.label()), s.logProb(), 1e-4, s.label());
            }
        }
    }

    @Test
    void shouldAnswerOneOfTheLabelsWithProbabilitiesThatSumToOne() {
        for (boolean normalized : new boolean[] {false, true}) {
            ClassificationResult r = classify(CASES.get(3).prompt(), HATE, normalized);
            assertTrue(HATE.contains(r.label()));
            assertEquals(
                    1.0,
                    r.scores().stream()
                            .mapToDouble(ClassificationResult.LabelScore::probability)
                            .sum(),
                    1e-6);
            var best = r.scores().stream()
                    .max((a, b) -> Double.compare(a.score(), b.score()))
                    .orElseThrow();
            assertEquals(best.label(), r.label());
            for (var s : r.scores()) {
                assertEquals(normalized ? s.logProb() / s.tokens() : s.logProb(), s.score(), 1e-12);
            }
        }
    }

    @Test
    void shouldClassifyInOneBatchAsOneByOne() {
        List<String> prompts =
                CASES.stream().map(Fixtures.GenerationCase::prompt).limit(6).toList();
        List<ClassificationResult> single =
                prompts.stream().map(p -> classify(p, EMOTIONS, false)).toList();
        // all six at once, plus a generation in the same batch
        List<CompletableFuture<ClassificationResult>> batched = prompts.stream()
                .map(p -> batching.classify(new ClassificationRequest(p, p, EMOTIONS, false)))
                .toList();
        CompletableFuture<GenerationResult> generation = batching.submit(new GenerationRequest(
                "g",
                CASES.get(6).prompt(),
                GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true)));
        assertArrayEquals(
                CASES.get(6).hfOutputIds(), generation.join().outputIds(), "a generation batched with classifications");
        for (int i = 0; i < prompts.size(); i++) {
            ClassificationResult b = batched.get(i).join();
            assertEquals(7, b.batchSize(), "six classifications and a generation share one batch");
            assertEquals(single.get(i).label(), b.label());
            for (int j = 0; j < EMOTIONS.size(); j++) {
                assertEquals(
                        single.get(i).scores().get(j).logProb(),
                        b.scores().get(j).logProb(),
                        1e-4);
            }
        }
    }

    @Test
    void shouldComputeLogitsOnlyAtRequestedPositionsInTheRewrittenGraph() {
        // the fixture's lm_head is rewritten (LogitsSelection); the goldens above still hold through it
        assertTrue(reference.selectsLogits());
    }

    @Test
    void shouldBreakTiesByLabelOrder() {
        ClassificationResult r = classify(CASES.get(0).prompt(), List.of(" Yes", " No"), false);
        ClassificationResult.LabelScore yes = r.scores().get(0);
        assertTrue(r.label().equals(" Yes") == (yes.score() >= r.scores().get(1).score()));
    }

    @Test
    void shouldRefuseMissingOrDuplicateLabels() {
        for (List<String> bad : List.of(List.<String>of(), List.of(" a", " a"), List.of(" a", ""))) {
            var f = engine.classify(new ClassificationRequest("x", "Hi", bad, false));
            assertEquals(
                    ErrorCode.INVALID_PARAMETER,
                    EngineException.from(Assertions.assertThrows(CompletionException.class, f::join))
                            .code());
        }
    }
}
