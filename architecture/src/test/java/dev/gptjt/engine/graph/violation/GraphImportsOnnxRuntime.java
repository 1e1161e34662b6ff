package dev.gptjt.engine.graph.violation;

import ai.onnxruntime.OrtEnvironment;

/** Breaks {@code Layering.GRAPH_SURGERY_IS_BYTES_IN_BYTES_OUT}: graph surgery that starts ONNX Runtime. */
public final class GraphImportsOnnxRuntime {

    OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }
}
