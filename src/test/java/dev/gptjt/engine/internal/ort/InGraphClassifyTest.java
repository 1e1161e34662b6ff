package dev.gptjt.engine.internal.ort;

import static dev.gptjt.engine.PrefixCacheTest.SENTIMENT;
import static dev.gptjt.engine.PrefixCacheTest.TWEETS;
import static dev.gptjt.engine.PrefixCacheTest.TWEET_HATE;
import static dev.gptjt.engine.PrefixCacheTest.assertSameClassification;
import static dev.gptjt.engine.PrefixCacheTest.classify;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.FewShotPrompt;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.graph.ClassifyGraphConverter;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-pass classification graph ({@code gptjt convert --classify-in-graph}) against the Java loop
 * on the whole prompt: same label, every probability within 1e-4, with and without a cached prefix.
 */
class InGraphClassifyTest {
    private static final FewShotPrompt BARE =
            new FewShotPrompt("bare", "{input} Is it positive? A:", List.of("Yes", "No"));

    @TempDir
    static Path tmp;

    private static Path converted;
    private static InferenceEngine inGraph;
    private static InferenceEngine javaLoop;

    @BeforeAll
    static void convertAndOpen() {
        converted = tmp.resolve("tiny-classify");
        assertEquals(
                converted.resolve(ModelDirectory.CLASSIFY_FILE),
                ClassifyGraphConverter.convert(ModelDirectory.open(Fixtures.tinyGptj()), converted));
        EngineConfig base = EngineConfig.defaults(converted).withBatching(8, Duration.ofMillis(50), 64);
        inGraph = InferenceEngine.open(base.withBackend(DecodingBackend.IN_GRAPH));
        for (FewShotPrompt task : List.of(TWEET_HATE, SENTIMENT)) {
            inGraph.cachePrefix(task.prefix()).orElseThrow();
        }
        javaLoop = InferenceEngine.open(base.withBackend(DecodingBackend.JAVA_LOOP));
    }

    @AfterAll
    static void close() {
        inGraph.close();
        javaLoop.close();
    }

    @Test
    void shouldScoreEveryLabelInOneRunAsTheJavaLoopDoesOnTheWholePrompt() {
        for (FewShotPrompt task : List.of(TWEET_HATE, SENTIMENT, BARE)) {
            for (String tweet : TWEETS) {
                ClassificationResult r = classify(inGraph, task, tweet).join();
                assertEquals(InGraphClassifyBackend.NAME, r.backend());
                assertEquals(
                        task == BARE
                                ? 0
                                : inGraph.cachePrefix(task.prefix())
                                        .orElseThrow()
                                        .tokens()
                                        .length,
                        r.prefixTokens());
                assertSameClassification(classify(javaLoop, task, tweet).join(), r);
            }
        }
    }

    @Test
    void shouldSplitAMixedBatchIntoRunsOfOnePrefixAndOneLabelSet() {
        List<FewShotPrompt> tasks = List.of(TWEET_HATE, SENTIMENT, BARE);
        List<CompletableFuture<ClassificationResult>> mixed = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            mixed.add(classify(inGraph, tasks.get(i % 3), TWEETS.get(i)));
        }
        CompletableFuture<GenerationResult> generation = inGraph.submit(new GenerationRequest(
                "g", Fixtures.generationCases().get(0).prompt(), GenerationParams.DEFAULTS.withMaxNewTokens(8)));
        for (int i = 0; i < 8; i++) {
            assertSameClassification(
                    classify(javaLoop, tasks.get(i % 3), TWEETS.get(i)).join(),
                    mixed.get(i).join());
        }
        GenerationResult g = generation.join();
        assertEquals(
                "ort-java-loop",
                g.backend(),
                "generations stay on the Java loop when only the classify graph is there");
        assertArrayEquals(Fixtures.generationCases().get(0).hfOutputIds(), g.outputIds());
    }

    @Test
    void shouldScoreOneLabelAndAFirstLabelLongerThanTheOthersAsTheJavaLoopDoes() {
        // label 0 is read in the prompt pass, the others in the label pass: every shape of the two
        for (List<String> labels : List.of(
                List.of(" positive"),
                List.of(" not hate speech at all", " hate"),
                List.of(" no", " not at all", " yes, very much"))) {
            for (String text : TWEETS.subList(0, 3)) {
                String prompt = "Tweet: " + text + "\nLabel:";
                ClassificationResult r = inGraph.classify(new ClassificationRequest(text, prompt, labels, false))
                        .join();
                assertEquals(InGraphClassifyBackend.NAME, r.backend());
                assertEquals(labels.size(), r.scores().size());
                assertSameClassification(
                        javaLoop.classify(new ClassificationRequest(text, prompt, labels, false))
                                .join(),
                        r);
            }
        }
    }

    @Test
    void shouldRefuseAGraphOfAnEarlierFormatAskingToConvertAgain() throws IOException {
        Path old = Fixtures.copyModel(converted, tmp.resolve("tiny-classify-v1"));
        Path file = old.resolve(ModelDirectory.CLASSIFY_FILE);
        OnnxMl.ModelProto graph = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        OnnxMl.ModelProto.Builder v1 = graph.toBuilder().clearMetadataProps();
        graph.getMetadataPropsList()
                .forEach(e -> v1.addMetadataProps(
                        e.getKey().equals("gptjt.classify_graph")
                                ? e.toBuilder().setValue("1")
                                : e.toBuilder()));
        Files.write(file, v1.build().toByteArray());
        EngineException e = assertThrows(
                EngineException.class,
                () -> InferenceEngine.open(EngineConfig.defaults(old).withBackend(DecodingBackend.IN_GRAPH))
                        .close());
        assertEquals(ErrorCode.MODEL_INVALID, e.code());
        assertTrue(e.getMessage().contains("format 1") && e.getMessage().endsWith("convert again"), e.getMessage());
    }

    @Test
    void shouldReferenceExternalWeightsWithoutCopyingThem() throws IOException {
        Path external = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("tiny-external"));
        assertTrue(Fixtures.externalize(external.resolve(ModelDirectory.MODEL_FILE), "model.onnx_data") > 10_000_000);
        Path out = tmp.resolve("tiny-external-classify");
        ClassifyGraphConverter.convert(ModelDirectory.open(external), out);
        assertTrue(
                Files.size(out.resolve(ModelDirectory.CLASSIFY_FILE)) < 1_000_000,
                "weights must stay out of the protobuf");
        assertTrue(Files.notExists(out.resolve("model.onnx_data")), "weights stay in the source directory");
        try (InferenceEngine engine =
                InferenceEngine.open(EngineConfig.defaults(out).withBackend(DecodingBackend.IN_GRAPH))) {
            engine.cachePrefix(TWEET_HATE.prefix()).orElseThrow();
            for (String tweet : TWEETS.subList(0, 4)) {
                ClassificationResult r = classify(engine, TWEET_HATE, tweet).join();
                assertEquals(InGraphClassifyBackend.NAME, r.backend());
                assertSameClassification(classify(javaLoop, TWEET_HATE, tweet).join(), r);
            }
        }
    }
}
