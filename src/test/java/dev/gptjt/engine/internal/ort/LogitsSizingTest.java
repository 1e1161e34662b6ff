package dev.gptjt.engine.internal.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.graph.DecoderGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lm_head rewrite's failure and absence, and buffer sizes at GPT-JT's shape (vocabulary 50 400, context
 * 2 048, batch 16; the tiny fixture has the same vocabulary and context, so its passes are that shape's rows).
 */
class LogitsSizingTest {
    private static final int GPTJT_VOCAB = 50_400;
    private static final int GPTJT_CONTEXT = 2_048;
    private static final int GPTJT_BATCH = 16;

    /** The tiny fixture with its graph changed by {@code edit}, in {@code dir}. */
    private static Path tinyWith(Path dir, UnaryOperator<OnnxMl.GraphProto> edit) throws IOException {
        Path copy = Fixtures.copyModel(Fixtures.tinyGptj(), dir.resolve("tiny"));
        Path file = copy.resolve("model.onnx");
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        Files.write(
                file,
                model.toBuilder().setGraph(edit.apply(model.getGraph())).build().toByteArray());
        return copy;
    }

    private static int producerOf(OnnxMl.GraphProto graph, String output) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOutputList().contains(output)) {
                return i;
            }
        }
        throw new IllegalStateException("nothing produces " + output);
    }

    /** Logits through an Identity after the lm_head: not the shape the rewrite selects positions in. */
    private static OnnxMl.GraphProto identityAfterLmHead(OnnxMl.GraphProto graph) {
        OnnxMl.GraphProto.Builder g = graph.toBuilder();
        int head = producerOf(graph, DecoderGraph.LOGITS);
        g.setNode(head, graph.getNode(head).toBuilder().setOutput(0, "logits_before_identity"));
        g.addNode(OnnxMl.NodeProto.newBuilder()
                .setOpType("Identity")
                .setName("identity_after_lm_head")
                .addInput("logits_before_identity")
                .addOutput(DecoderGraph.LOGITS));
        return g.build();
    }

    /** An lm_head MatMul without inputs: the rewrite finds it and then cannot rewire it. */
    private static OnnxMl.GraphProto lmHeadWithoutInputs(OnnxMl.GraphProto graph) {
        int head = producerOf(graph, DecoderGraph.LOGITS);
        if (graph.getNode(head).getOpType().equals("Add")) {
            head = producerOf(graph, graph.getNode(head).getInput(0));
        }
        return graph.toBuilder()
                .setNode(head, graph.getNode(head).toBuilder().clearInput())
                .build();
    }

    @Test
    void shouldRefuseAtStartALogitsRewriteThatFailsNamingTheCause(@TempDir Path tmp) throws IOException {
        Path model = tinyWith(tmp, LogitsSizingTest::lmHeadWithoutInputs);

        EngineException e = assertThrows(
                EngineException.class,
                () -> InferenceEngine.open(EngineConfig.defaults(model)).close());

        assertEquals(ErrorCode.MODEL_INVALID, e.code());
        assertTrue(e.getMessage().contains("logits-selection rewrite"), e.getMessage());
        assertTrue(e.getMessage().contains("IndexOutOfBoundsException"), e.getMessage());
    }

    @Test
    void shouldRefuseFullSequenceLogitsOfABatchNoJavaBufferHoldsNamingTheBatchThatFits(@TempDir Path tmp)
            throws IOException {
        Path model = tinyWith(tmp, LogitsSizingTest::identityAfterLmHead);

        EngineException e = assertThrows(
                EngineException.class,
                () -> InferenceEngine.open(EngineConfig.defaults(model).withBatching(GPTJT_BATCH, Duration.ZERO, 64))
                        .close());

        // 16 × 2048 × 50400 floats: 6 606 028 800 bytes, which an int sizing wrapped to a negative capacity
        assertEquals(ErrorCode.MEMORY_PLAN_EXCEEDED, e.code());
        assertTrue(e.getMessage().contains("6606028800 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("lower max-batch-size to 5"), e.getMessage());
    }

    @Test
    void shouldAnswerAsBeforeWithFullSequenceLogitsWhenTheRewriteDoesNotApply(@TempDir Path tmp) throws IOException {
        Path model = tinyWith(tmp, LogitsSizingTest::identityAfterLmHead);
        Fixtures.GenerationCase golden = Fixtures.generationCases().get(0);
        try (InferenceEngine engine =
                InferenceEngine.open(EngineConfig.defaults(model).withBatching(4, Duration.ZERO, 64))) {
            GenerationResult r = engine.submit(new GenerationRequest(
                            "full",
                            golden.prompt(),
                            GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true)))
                    .join();
            assertArrayEquals(golden.hfOutputIds(), r.outputIds());
        }
    }

    @Test
    void shouldSizeGptJtBuffersInLongAndRefuseWhatNoJavaBufferHolds() {
        // the selected logits of a prompt pass and a KV-cache layer of a full batch at the whole context fit
        assertEquals(GPTJT_BATCH * GPTJT_VOCAB * 4, BufferSize.checked("logits", GPTJT_BATCH, 1, GPTJT_VOCAB, 4));
        assertEquals(1 << 29, BufferSize.checked("kv", GPTJT_BATCH, 16, GPTJT_CONTEXT, 256, 4));
        assertEquals(1 << 29, BufferSize.pooledCapacity(1 << 29));
        // full-sequence logits do not: refused by name, not wrapped (as int: 6 606 028 800 - 2^32 < 2^31 unsigned)
        EngineException e = assertThrows(
                EngineException.class,
                () -> BufferSize.checked("the pass's logits", GPTJT_BATCH, GPTJT_CONTEXT, GPTJT_VOCAB, 4));
        assertEquals(ErrorCode.INFERENCE_FAILED, e.code());
        assertTrue(e.getMessage().contains("6606028800 bytes"), e.getMessage());
        // a batch of 32 at the whole context: a KV layer of 1 GiB, whose pooled power of two int rounding overflowed
        assertEquals(1 << 30, BufferSize.checked("kv", 32, 16, GPTJT_CONTEXT, 256, 4));
        assertEquals(Integer.MAX_VALUE, BufferSize.pooledCapacity((1 << 30) + 1));
        assertThrows(EngineException.class, () -> BufferSize.checked("kv", 64, 16, GPTJT_CONTEXT, 256, 4));
        assertThrows(EngineException.class, () -> BufferSize.checked("huge", Long.MAX_VALUE, 2));
    }

    @Test
    void shouldAnswerPromptsThatFillTheWholeContext() {
        try (InferenceEngine engine = InferenceEngine.open(
                EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(3, Duration.ofSeconds(5), 64))) {
            int context = engine.context();
            assertEquals(GPTJT_CONTEXT, context, "the fixture's n_positions");
            List<CompletableFuture<GenerationResult>> running = List.of(
                    submit(engine, "a", " one", context - 1),
                    submit(engine, "b", " two", context - 1),
                    submit(engine, "c", " three", context - 9));
            for (CompletableFuture<GenerationResult> f : running) {
                GenerationResult r = f.join();
                assertEquals(FinishReason.LENGTH, r.finishReason());
                assertEquals(context, r.promptTokens() + r.outputIds().length, r.id() + " fills the context");
            }
        }
    }

    /** A prompt of exactly {@code tokens} tokens ({@code word} is one token), with the rest of the context to generate. */
    private static CompletableFuture<GenerationResult> submit(
            InferenceEngine engine, String id, String word, int tokens) {
        String prompt = word.repeat(tokens);
        assertEquals(tokens, engine.tokenizer().encode(prompt).length, "'" + word + "' is one token");
        return engine.submit(new GenerationRequest(
                id,
                prompt,
                GenerationParams.DEFAULTS
                        .withMaxNewTokens(engine.context() - tokens)
                        .withIgnoreEos(true)));
    }
}
