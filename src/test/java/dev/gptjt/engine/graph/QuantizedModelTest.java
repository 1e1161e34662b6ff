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

    /**
     * The conversion streams (each MatMul's 4-bit form written as it is made) and writes exactly the bytes the
     * earlier whole-model conversion wrote: these digests are of that converter's output (f8fe310), for the
     * default options and for asymmetric blocks of 32, from inline weights and from external ones.
     */
    @Test
    void shouldWriteTheSameBytesAsTheWholeModelConversionDid(@TempDir Path tmp) throws Exception {
        record Case(String model, Int4Quantizer.Options options, String graph, String data) {}
        Int4Quantizer.Options zeroPoints32 = new Int4Quantizer.Options(32, 4, true);
        List<Case> cases = List.of(
                new Case(
                        "tiny-gptj",
                        Int4Quantizer.Options.DEFAULTS,
                        "aeb484cbaff4b084edfe7d1c0b0727d6b5bd77a207a88f9704ee8187967fa8a8",
                        "42c6d361b03832eb4f8e700010d2be55a65f76691f1ac1f0a03ba5c28eb0c27a"),
                new Case(
                        "tiny-gptj",
                        zeroPoints32,
                        "1891aaaf4de4beed703eb019a29fa0a8c2461ee3272b2f51d24e333f546ca9c3",
                        "96d852e80c186cdebab59905923335dc587a85f6c77f2a583a9ead6a327b6f25"),
                new Case(
                        "demo-gptj",
                        Int4Quantizer.Options.DEFAULTS,
                        "d42e66a48b0892d7028da0a65834540261de6e0b1f4c7477adafd4e99bcf9605",
                        "a86d85b28b0ebb76f8893252ed927021f97a829e46b6c163724e8f72d33be3b0"),
                new Case(
                        "demo-gptj",
                        zeroPoints32,
                        "bfcc7cd4a644a1451796b8973ee3bfd8cd4ff3e75050f259c1d1b4d0b35eb4c0",
                        "65108b25d8f818d8261f39347880ea164ab9ca3b5fd373162555a101eadc039b"));
        int n = 0;
        for (Case c : cases) {
            Path inline = Fixtures.models().resolve(c.model());
            Path external = Fixtures.copyModel(inline, tmp.resolve("external-" + n));
            Fixtures.externalize(external.resolve("model.onnx"), "model.onnx_data");
            for (Path source : List.of(inline, external)) {
                Path out = tmp.resolve("int4-" + n++);
                Int4Quantizer.convert(ModelDirectory.open(source), out, c.options());
                String what = c.model() + " " + c.options() + " from " + source;
                assertEquals(c.graph(), sha256(out.resolve("model.onnx")), what);
                assertEquals(c.data(), sha256(out.resolve("model.onnx_data")), what);
            }
        }
    }

    private static String sha256(Path file) throws Exception {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        return java.util.HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
    }
}
