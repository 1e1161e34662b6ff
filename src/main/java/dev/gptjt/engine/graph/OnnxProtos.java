package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Look-ups over ONNX protobufs and the lm_head rewrites, shared by the graph rewrites ({@link GraphBuilder} makes
 * the protobufs), and the fp16 conversions of their weights.
 */
final class OnnxProtos {
    private OnnxProtos() {}

    /** An initializer's external-data entries ({@code location}, {@code offset}, {@code length}) by key. */
    static Map<String, String> externalData(OnnxMl.TensorProto t) {
        Map<String, String> ext = new HashMap<>();
        t.getExternalDataList().forEach(e -> ext.put(e.getKey(), e.getValue()));
        return ext;
    }

    /**
     * The IEEE half-precision bits of {@code f}, rounded to nearest, ties away from zero (ONNX Runtime rounds them
     * to even: 49 in a million random weights differ by one unit). Graph code stays off ONNX Runtime's own
     * conversion: it converts a model without a session.
     */
    static short fp16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7fffffff;
        int rounded = magnitude + 0x1000;
        if (magnitude >= 0x7f800000) { // infinity or NaN
            return (short) (sign | 0x7c00 | (magnitude > 0x7f800000 ? 0x200 : 0));
        }
        if (rounded >= 0x47800000) { // past the largest half: infinity
            return (short) (sign | 0x7c00);
        }
        if (rounded >= 0x38800000) { // normal
            return (short) (sign | ((rounded - 0x38000000) >>> 13));
        }
        if (magnitude < 0x33000000) { // below half the smallest subnormal
            return (short) sign;
        }
        int exponent = magnitude >>> 23;
        int mantissa = (magnitude & 0x7fffff) | 0x800000;
        return (short) (sign | ((mantissa + (0x800000 >>> (exponent - 102))) >>> (126 - exponent)));
    }

    /** The float that half-precision bits {@code h} stand for (exact: every half is a float). */
    static float fromFp16(short h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa · 2^-24
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
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
        OnnxMl.NodeProto gather = GraphBuilder.node(
                "Gather",
                "gptjt_select_logits_positions",
                new String[] {product.getInput(0), indices},
                new String[] {gathered},
                GraphBuilder.intAttribute("axis", 1));
        graph.setNode(matMul, product.toBuilder().setInput(0, gathered));
        graph.addNode(matMul, gather); // nodes stay in topological order: the Gather right before the MatMul
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
        OnnxMl.NodeProto slice = GraphBuilder.node(
                "Slice",
                "gptjt_slice_logits_positions",
                new String[] {product.getInput(0), starts, ends, axes},
                new String[] {sliced});
        graph.setNode(matMul, product.toBuilder().setInput(0, sliced));
        graph.addNode(matMul, slice);
    }
}
