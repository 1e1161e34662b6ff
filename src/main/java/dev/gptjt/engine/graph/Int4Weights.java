package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;

/**
 * Makes the bytes of a plan's new initializers in graph order, one MatMul at a time: only the weight being quantized
 * and its 4-bit form are held, whatever the model's size.
 */
final class Int4Weights {
    private final Int4Plan plan;
    private final InitializerFloats floats;
    private int job = -1;
    private Int4Blocks.Packed packed;

    Int4Weights(Int4Plan plan, InitializerFloats floats) {
        this.plan = plan;
        this.floats = floats;
    }

    /** The planned model with every new initializer's data inline: a runnable model (small models, tests). */
    static OnnxMl.ModelProto inline(Int4Plan plan, InitializerFloats floats) throws IOException {
        Int4Weights weights = new Int4Weights(plan, floats);
        OnnxMl.GraphProto.Builder g = plan.model().getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = g.getInitializer(i);
            if (weights.isPending(t.getName())) {
                g.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(weights.bytes(t.getName()))));
            }
        }
        return plan.model().toBuilder().setGraph(g).build();
    }

    /** Whether {@code name} is a new initializer whose bytes this makes. */
    boolean isPending(String name) {
        return plan.pending().containsKey(name);
    }

    /** The bytes of {@code name}, a pending initializer. */
    byte[] bytes(String name) throws IOException {
        Int4Plan.Pending p = plan.pending().get(name);
        Int4Plan.Job j = plan.jobs().get(p.job());
        if (p.job() != job) {
            packed = null; // let the previous MatMul's arrays go before this one's are made
            packed = Int4Blocks.pack(
                    floats.of(j.weight()),
                    j.k(),
                    j.cols(),
                    j.transposed(),
                    plan.options().blockSize(),
                    plan.options().zeroPoints());
            job = p.job();
        }
        return switch (p.part()) {
            case Q -> packed.q();
            case SCALES -> packed.scaleBytes(j.fp16());
            case ZERO_POINTS -> packed.packedZeroPoints();
        };
    }
}
