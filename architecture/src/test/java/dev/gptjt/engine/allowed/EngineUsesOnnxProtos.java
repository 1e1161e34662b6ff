package dev.gptjt.engine.allowed;

import ai.onnx.proto.OnnxMl;

/**
 * Keeps {@code Layering.ENGINE_USES_NO_FRAMEWORK}: the ONNX protobufs ship in a Tribuo jar but are not Tribuo, and the
 * graph converters rewrite models with them.
 */
public final class EngineUsesOnnxProtos {

    OnnxMl.ModelProto parse(byte[] model) throws Exception {
        return OnnxMl.ModelProto.parseFrom(model);
    }
}
