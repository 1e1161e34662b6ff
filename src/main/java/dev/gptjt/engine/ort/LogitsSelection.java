package dev.gptjt.engine.ort;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Rewrites an Optimum GPT-J decoder so that the lm_head runs only at the sequence positions the
 * caller asks for. The export computes {@code logits = hidden · Wᵀ + b} for every position, but
 * generation needs only the last one: at prefill that wasted product is a large share of the work
 * (the lm_head is 512 × 50 400 — half the weights — in a 51 M-parameter model).
 *
 * <pre>
 *   before:  hidden [b, s, e] ─ MatMul ─ Add(bias) ─▶ logits [b, s, V]
 *   after:   hidden [b, s, e] ─ Gather(axis 1, gptjt_logits_positions [k]) ─ MatMul ─ Add ─▶ logits [b, k, V]
 * </pre>
 *
 * The rewrite is skipped (the original graph is used) when the graph does not end in that shape or
 * keeps weights in external data files, which a model created from bytes could not find.
 */
final class LogitsSelection {
    static final String POSITIONS_INPUT = "gptjt_logits_positions";
    private static final String SELECTED = "gptjt_selected_hidden";

    private LogitsSelection() {}

    /** @return the rewritten model, or empty when the graph is not of the expected shape */
    static Optional<byte[]> rewrite(Path modelFile) throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(modelFile));
        OnnxMl.GraphProto graph = model.getGraph();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                return Optional.empty();
            }
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String out : graph.getNode(i).getOutputList()) {
                producer.put(out, i);
            }
        }
        Integer logitsNode = producer.get(DecoderSession.LOGITS);
        if (logitsNode == null) {
            return Optional.empty();
        }
        int matMul = logitsNode;
        if (graph.getNode(matMul).getOpType().equals("Add")) { // lm_head bias
            Integer before = producer.get(graph.getNode(matMul).getInput(0));
            if (before == null) {
                return Optional.empty();
            }
            matMul = before;
        }
        OnnxMl.NodeProto product = graph.getNode(matMul);
        if (!product.getOpType().equals("MatMul")) {
            return Optional.empty();
        }
        OnnxMl.NodeProto gather = OnnxMl.NodeProto.newBuilder()
                .setName("gptjt_select_logits_positions")
                .setOpType("Gather")
                .addInput(product.getInput(0))
                .addInput(POSITIONS_INPUT)
                .addOutput(SELECTED)
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(1))
                .build();
        OnnxMl.GraphProto.Builder g = graph.toBuilder();
        g.setNode(matMul, product.toBuilder().setInput(0, SELECTED));
        g.addNode(matMul, gather);  // nodes stay in topological order: the Gather right before the MatMul
        g.addInput(OnnxMl.ValueInfoProto.newBuilder().setName(POSITIONS_INPUT).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                        .setShape(OnnxMl.TensorShapeProto.newBuilder().addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("positions"))))));
        return Optional.of(model.toBuilder().setGraph(g).build().toByteArray());
    }
}
