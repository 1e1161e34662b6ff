package dev.gptjt.tools.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's graph is GPT-J: given the fixture's weights it reproduces Hugging Face's goldens token for
 * token, one at a time and in one left-padded batch, from an export laid out as Optimum lays one out.
 */
class GptjExportWriterTest {
    private static final GenerationParams HF_GOLDEN =
            GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true);

    @TempDir
    static Path tmp;

    private static Path written;

    @BeforeAll
    static void writeTheFixturesWeights() throws IOException {
        written = tmp.resolve("written");
        FixtureExport.write(written, GptjExportWriter.Precision.FP32);
    }

    @Test
    void shouldReproduceEveryGoldenOneAtATime() {
        try (InferenceEngine engine =
                InferenceEngine.open(EngineConfig.defaults(written).withBatching(1, Duration.ZERO, 64))) {
            for (Fixtures.GenerationCase c : Fixtures.generationCases()) {
                GenerationResult r = engine.submit(new GenerationRequest(c.prompt(), c.prompt(), HF_GOLDEN))
                        .join();
                assertArrayEquals(c.hfOutputIds(), r.outputIds(), c.prompt());
            }
        }
    }

    @Test
    void shouldReproduceEveryGoldenInOneLeftPaddedBatch() {
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        try (InferenceEngine engine = InferenceEngine.open(
                EngineConfig.defaults(written).withBatching(cases.size(), Duration.ofSeconds(5), 64))) {
            List<CompletableFuture<GenerationResult>> futures = cases.stream()
                    .map(c -> engine.submit(new GenerationRequest(c.prompt(), c.prompt(), HF_GOLDEN)))
                    .toList();
            for (int i = 0; i < cases.size(); i++) {
                GenerationResult r = futures.get(i).join();
                assertEquals(cases.size(), r.batchSize());
                assertArrayEquals(
                        cases.get(i).hfOutputIds(), r.outputIds(), cases.get(i).prompt());
            }
        }
    }

    @Test
    void shouldRunInFp16WithTheFirstTokenOfEveryGoldenWhoseMarginFp16CannotClose() throws IOException {
        Path fp16 = FixtureExport.write(tmp.resolve("fp16"), GptjExportWriter.Precision.FP16);
        var cases = Fixtures.golden().get("generation_cases");
        int compared = 0;
        try (InferenceEngine engine =
                InferenceEngine.open(EngineConfig.defaults(fp16).withBatching(1, Duration.ZERO, 64))) {
            for (var c : cases) {
                GenerationResult r = engine.submit(
                                new GenerationRequest("c", c.get("prompt").asText(), HF_GOLDEN.withMaxNewTokens(1)))
                        .join();
                // fp16 weights move this model's logits by a few hundredths: a first-step margin above 0.1 holds
                if (c.get("margins").get(0).doubleValue() > 0.1) {
                    assertEquals(
                            c.get("hf_output_ids").get(0).intValue(),
                            r.outputIds()[0],
                            c.get("prompt").asText());
                    compared++;
                }
            }
        }
        assertTrue(compared >= cases.size() / 2, compared + " of " + cases.size() + " compared");
    }

    @Test
    void shouldWriteEveryWeightToOnePageAlignedDataFileWithLinearWeightsReadyForMatMul() throws IOException {
        OnnxMl.ModelProto model =
                OnnxMl.ModelProto.parseFrom(Files.readAllBytes(written.resolve(ModelDirectory.MODEL_FILE)));
        int external = 0;
        for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                external++;
                Map<String, String> entries = new HashMap<>();
                t.getExternalDataList().forEach(e -> entries.put(e.getKey(), e.getValue()));
                assertEquals(GptjExportWriter.DATA_FILE, entries.get("location"));
                assertEquals(0, Long.parseLong(entries.get("offset")) % 4096, t.getName());
            }
        }
        assertEquals(4 + 10 * 2, external, "wte, ln_f ×2, lm_head bias and ten per layer");
        assertTrue(model.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Transpose"))
                .noneMatch(n -> n.getInput(0).contains("proj") || n.getInput(0).contains("fc_")));
        long bytes = Files.size(written.resolve(GptjExportWriter.DATA_FILE));
        long parameters = new GptjExportWriter.Shape(2, 64, 4, 4, 128, 50400, 2048, true).parameters();
        assertTrue(bytes >= parameters * 4 && bytes < parameters * 4 + 23 * 4096L, bytes + " vs " + parameters);
    }

    @Test
    void shouldCountGptJtSixBillionParametersAsItsStateDictHoldsThem() {
        // wte 50400×4096, 28 × (LayerNorm, q k v out 4096², fc_in and fc_out 4096×16384 with biases), ln_f,
        // lm_head 4096×50400 with bias
        assertEquals(6_050_882_784L, GptjExportWriter.Shape.GPT_JT_6B.parameters());
    }
}
