package dev.gptjt.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The combined graph holds each weight, and each constant expression of the weights, once. */
class SharedWeightsGraphTest {
    @TempDir
    static Path tmp;

    private static OnnxMl.ModelProto decoder;
    private static OnnxMl.ModelProto greedy;
    private static OnnxMl.ModelProto classify;

    @BeforeAll
    static void convert() throws IOException {
        ModelDirectory source = ModelDirectory.open(Fixtures.tinyGptj());
        Path out = tmp.resolve("converted");
        decoder = read(source.modelFile());
        greedy = read(GreedySearchConverter.convert(source, out));
        classify = read(ClassifyGraphConverter.convert(source, out));
    }

    @Test
    void shouldKeepEveryWeightOnlyInTheMainGraph() {
        OnnxMl.ModelProto combined = combine(greedy, classify);
        Set<String> weights = decoder.getGraph().getInitializerList().stream()
                .map(OnnxMl.TensorProto::getName)
                .collect(Collectors.toSet());
        Map<String, Integer> held = new HashMap<>();
        forEachGraph(
                combined.getGraph(),
                g -> g.getInitializerList().stream()
                        .filter(t -> weights.contains(t.getName()))
                        .forEach(t -> held.merge(t.getName(), 1, Integer::sum)));
        assertEquals(weights.size(), held.size());
        held.forEach((name, copies) -> assertEquals(1, copies, name));
        combined.getGraph().getInitializerList().stream()
                .filter(t -> weights.contains(t.getName()))
                .forEach(t -> assertTrue(weights.contains(t.getName())));
    }

    @Test
    void shouldComputeEachTransposeOfAWeightOnceInTheMainGraph() {
        Set<String> weights = decoder.getGraph().getInitializerList().stream()
                .map(OnnxMl.TensorProto::getName)
                .collect(Collectors.toSet());
        long inDecoder = decoder.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Transpose") && weights.contains(n.getInput(0)))
                .count();
        assertTrue(inDecoder > 0, "the fixture keeps its weights' transposes as nodes");

        OnnxMl.ModelProto combined = combine(greedy, classify);
        List<OnnxMl.NodeProto> everywhere = new ArrayList<>();
        forEachGraph(
                combined.getGraph(),
                g -> g.getNodeList().stream()
                        .filter(n -> n.getOpType().equals("Transpose") && weights.contains(n.getInput(0)))
                        .forEach(everywhere::add));
        long inMain = combined.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Transpose") && weights.contains(n.getInput(0)))
                .count();
        assertEquals(inDecoder, everywhere.size(), "one per weight in the whole graph, not one per path");
        assertEquals(inDecoder, inMain);
    }

    @Test
    void shouldPrefixEachPathsInputsAndOutputsAndAddThePathInput() {
        OnnxMl.ModelProto combined = combine(greedy, classify);
        Set<String> inputs = combined.getGraph().getInputList().stream()
                .map(OnnxMl.ValueInfoProto::getName)
                .collect(Collectors.toSet());
        assertTrue(inputs.contains(SharedWeightsGraph.PATH_INPUT));
        assertTrue(inputs.contains("decoder/input_ids"));
        assertTrue(inputs.contains("greedy/max_length"));
        assertTrue(inputs.contains("classify/label_ids"));
        Set<String> outputs = combined.getGraph().getOutputList().stream()
                .map(OnnxMl.ValueInfoProto::getName)
                .collect(Collectors.toSet());
        assertEquals(
                decoder.getGraph().getOutputCount()
                        + greedy.getGraph().getOutputCount()
                        + classify.getGraph().getOutputCount(),
                outputs.size());
        assertTrue(outputs.contains("decoder/logits") && outputs.contains("greedy/sequences"));
    }

    @Test
    void shouldRefuseAGraphConvertedFromAnotherModel() {
        OnnxMl.GraphProto.Builder g = classify.getGraph().toBuilder();
        int weight = -1;
        for (int i = 0; i < g.getInitializerCount() && weight < 0; i++) {
            if (g.getInitializer(i).getRawData().size() > 16) {
                weight = i;
            }
        }
        byte[] bytes = g.getInitializer(weight).getRawData().toByteArray();
        bytes[0] ^= 1;
        g.setInitializer(weight, g.getInitializer(weight).toBuilder().setRawData(ByteString.copyFrom(bytes)));
        OnnxMl.ModelProto other = classify.toBuilder().setGraph(g).build();

        EngineException e = assertThrows(EngineException.class, () -> combine(greedy, other));
        assertEquals(ErrorCode.MODEL_INVALID, e.code());
        assertTrue(e.getMessage().contains("converted from another model.onnx"), e.getMessage());
    }

    private static OnnxMl.ModelProto combine(OnnxMl.ModelProto greedyGraph, OnnxMl.ModelProto classifyGraph) {
        return SharedWeightsGraph.combine(List.of(
                new SharedWeightsGraph.Path("decoder/", decoder, "model.onnx"),
                new SharedWeightsGraph.Path("greedy/", greedyGraph, "greedy_search.onnx"),
                new SharedWeightsGraph.Path("classify/", classifyGraph, "classify.onnx")));
    }

    /** Calls {@code visit} on {@code graph} and every graph nested in its nodes' attributes. */
    private static void forEachGraph(OnnxMl.GraphProto graph, java.util.function.Consumer<OnnxMl.GraphProto> visit) {
        visit.accept(graph);
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    forEachGraph(a.getG(), visit);
                }
                a.getGraphsList().forEach(sub -> forEachGraph(sub, visit));
            }
        }
    }

    private static OnnxMl.ModelProto read(Path file) throws IOException {
        return OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
    }
}
