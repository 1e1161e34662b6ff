package dev.gptjt.engine.graph.violation;

import dev.gptjt.engine.internal.ort.DecoderSession;

/** Breaks {@code Layering.GRAPH_SURGERY_IS_BYTES_IN_BYTES_OUT}: graph surgery that reads a runtime session. */
public final class GraphImportsRuntime {

    int layers(DecoderSession session) {
        return session.config().nLayer();
    }
}
