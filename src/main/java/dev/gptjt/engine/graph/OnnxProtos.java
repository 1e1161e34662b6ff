package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Look-ups over ONNX protobufs and the lm_head rewrites, shared by the graph rewrites ({@link GraphBuilder} makes
 * the protobufs).
 */
final class OnnxProtos {
    private OnnxProtos() {}

    /** An initializer's external-data entries ({@code location}, {@code offset}, {@code length}) by key. */
    static Map<String, String> externalData(OnnxMl.TensorProto t) {
        Map<String, String> ext = new HashMap<>();
        t.getExternalDataList().forEach(e -> ext.put(e.getKey(), e.getValue()));
        return ext;
    }

    /** The version of the default (ai.onnx) operator set the model imports. */
    static long defaultOpset(OnnxMl.ModelProto model) {
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return 0;
    }

    /**
     * Index of the lm_head's MatMul (or 4-bit MatMulNBits): the node whose result, possibly through one bias {@code Add},
     * is the graph's {@code logits} output.
     *
     * @return empty when the graph does not end that way
     */
    static Optional<Integer> lmHeadMatMul(OnnxMl.GraphProto graph) {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String out : graph.getNode(i).getOutputList()) {
                producer.put(out, i);
            }
        }
        Integer node = producer.get(DecoderGraph.LOGITS);
        if (node == null) {
            return Optional.empty();
        }
        if (graph.getNode(node).getOpType().equals("Add")) { // lm_head bias
            node = producer.get(graph.getNode(node).getInput(0));
            if (node == null) {
                return Optional.empty();
            }
        }
        String op = graph.getNode(node).getOpType();
        // a 4-bit lm_head (MatMulNBits) takes the same activation input: the rewrites apply unchanged
        return op.equals("MatMul") || op.equals("MatMulNBits") ? Optional.of(node) : Optional.empty();
    }

    /**
     * Inserts {@code Gather(axis 1)} of {@code indices} on the lm_head's input, right before the
     * MatMul, so that the head multiplies only the gathered positions.
     */
    static void gatherBeforeLmHead(OnnxMl.GraphProto.Builder graph, int matMul, String indices, String gathered) {
        OnnxMl.NodeProto product = graph.getNode(matMul);
        insertBeforeLmHead(
                graph,
                matMul,
                GraphBuilder.node(
                        "Gather",
                        "gptjt_select_logits_positions",
                        new String[] {product.getInput(0), indices},
                        new String[] {gathered},
                        GraphBuilder.intAttribute("axis", 1)));
    }

    /**
     * Like {@link #gatherBeforeLmHead}, with a {@code Slice} of the hidden states' positions from {@code
     * starts} (a 1-D one-element tensor, negative counts from the end) to {@code ends} on {@code axes} (the
     * same). ORT 1.29's extended optimizations turn a {@code Range} feeding a {@code Gather} into a
     * {@code Slice} and got a negative start wrong: a {@code Slice} is what it means.
     */
    static void sliceBeforeLmHead(
            OnnxMl.GraphProto.Builder graph, int matMul, String starts, String ends, String axes, String sliced) {
        OnnxMl.NodeProto product = graph.getNode(matMul);
        insertBeforeLmHead(
                graph,
                matMul,
                GraphBuilder.node(
                        "Slice",
                        "gptjt_slice_logits_positions",
                        new String[] {product.getInput(0), starts, ends, axes},
                        new String[] {sliced}));
    }

    /** Has the lm_head read {@code node}'s output, {@code node} (which reads the head's input) right before it. */
    private static void insertBeforeLmHead(OnnxMl.GraphProto.Builder graph, int matMul, OnnxMl.NodeProto node) {
        OnnxMl.NodeProto product = graph.getNode(matMul);
        graph.setNode(matMul, product.toBuilder().setInput(0, node.getOutput(0)));
        graph.addNode(matMul, node); // nodes stay in topological order: the new node right before the MatMul
    }
}
