package dev.gptjt.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.model.ModelDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 4-bit conversion is a normal model directory: the engine, its rewrites and the converters run on it. */
class QuantizedModelTest {

    @Test
    void shouldQuantizeAnExportWithExternalWeightsIntoADirectoryTheEngineRuns(@TempDir Path tmp) throws Exception {
        Path source = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("external"));
        Fixtures.externalize(source.resolve("model.onnx"), "model.onnx_data");
        Path out = tmp.resolve("int4");
        Int4Quantizer.Report report =
                Int4Quantizer.convert(ModelDirectory.open(source), out, new Int4Quantizer.Options(16, 0, false));
        assertTrue(report.matMuls() > 0);
        assertTrue(report.bytesAfter() < report.bytesBefore() / 4, report.toString());
        ModelDirectory quantized = ModelDirectory.open(out);
        assertTrue(Files.isRegularFile(out.resolve("model.onnx_data")));
        assertEquals(report.modelBytes() + Files.size(out.resolve("model.onnx")), quantized.weightBytes());
        OnnxMl.GraphProto graph = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(quantized.modelFile()))
                .getGraph();
        Optional<Integer> head = OnnxProtos.lmHeadMatMul(graph);
        assertTrue(head.isPresent(), "the logits rewrite finds a 4-bit lm_head");
        assertEquals("MatMulNBits", graph.getNode(head.get()).getOpType());

        try (InferenceEngine engine = InferenceEngine.open(EngineConfig.defaults(out))) {
            var g = engine.submit(new GenerationRequest("g", "Hello, my name is", GenerationParams.DEFAULTS))
                    .join();
            assertEquals(GenerationParams.DEFAULTS.maxNewTokens(), g.outputIds().length);
            var c = engine.classify(new ClassificationRequest("c", "Is it good?", List.of(" yes", " no"), false))
                    .join();
            assertEquals(
                    1.0, c.scores().get(0).probability() + c.scores().get(1).probability(), 1e-6);
        }
        // the in-graph converters take it as they take any export
        Path greedy = GreedySearchConverter.convert(quantized, out);
        assertTrue(Files.isRegularFile(greedy));
        assertThrows(
                EngineException.class,
                () -> Int4Quantizer.convert(quantized, tmp.resolve("twice"), Int4Quantizer.Options.DEFAULTS),
                "a second conversion is refused");
    }
}
