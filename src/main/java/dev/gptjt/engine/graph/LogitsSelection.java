package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
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
 * The rewrite is skipped (empty: the caller runs the original graph, logits at every position) when the
 * graph does not end in that shape. An exception from it means the graph ends in that shape but could not be
 * rewired: the engine refuses such a model at start, naming the cause, rather than fall back in silence to
 * full-sequence logits (the lm_head at every prompt position, and a [batch, context, vocab] buffer).
 * External weight files are untouched: the rewritten graph is created from bytes with ORT's
 * external-initializer folder pointing at them.
 */
public final class LogitsSelection {
    public static final String POSITIONS_INPUT = "gptjt_logits_positions";
    private static final String SELECTED = "gptjt_selected_hidden";

    private LogitsSelection() {}

    /** @return the rewritten model, or empty when the graph is not of the expected shape */
    public static Optional<OnnxMl.ModelProto> rewrite(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto graph = model.getGraph();
        Optional<Integer> matMul = OnnxProtos.lmHeadMatMul(graph);
        if (matMul.isEmpty()) {
            return Optional.empty();
        }
        OnnxMl.GraphProto.Builder g = graph.toBuilder();
        OnnxProtos.gatherBeforeLmHead(g, matMul.get(), POSITIONS_INPUT, SELECTED);
        g.addInput(GraphBuilder.tensor(POSITIONS_INPUT, OnnxMl.TensorProto.DataType.INT64, "positions"));
        return Optional.of(model.toBuilder().setGraph(g).build());
    }
}
