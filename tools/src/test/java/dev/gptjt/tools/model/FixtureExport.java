package dev.gptjt.tools.model;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The committed tiny fixture's weights written by {@link GptjExportWriter} as an Optimum-layout export, in fp32 or
 * fp16: the tiny fp16 fixture every converter and the engine are tested on is made from the fp32 one here rather
 * than committed (13 MB of bytes that this writer reproduces exactly).
 */
public final class FixtureExport {
    private FixtureExport() {}

    /**
     * Writes the fixture's weights into {@code dir} in {@code precision}.
     *
     * @return {@code dir}
     * @throws IOException when a file cannot be read or written
     */
    public static Path write(Path dir, GptjExportWriter.Precision precision) throws IOException {
        ModelDirectory fixture = ModelDirectory.open(Fixtures.tinyGptj());
        GptjExportWriter.write(
                dir, shapeOf(fixture), fixtureValues(fixture.modelFile()), fixture.root(), 1e-5f, precision);
        return dir;
    }

    static GptjExportWriter.Shape shapeOf(ModelDirectory fixture) {
        ModelConfig c = fixture.config();
        return new GptjExportWriter.Shape(
                c.nLayer(),
                c.nEmbd(),
                c.nHead(),
                c.rotaryDim(),
                Fixtures.golden().get("config").get("n_inner").intValue(),
                c.vocabSize(),
                c.nPositions(),
                true);
    }

    /**
     * The fixture's weights by Hugging Face name ({@code p.h0_attn_q_proj_weight} is
     * {@code transformer.h.0.attn.q_proj.weight}; weights equal to another are an Identity of it there).
     */
    private static GptjExportWriter.Values fixtureValues(Path modelFile) throws IOException {
        OnnxMl.GraphProto g =
                OnnxMl.ModelProto.parseFrom(Files.readAllBytes(modelFile)).getGraph();
        Map<String, float[]> byName = new HashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber() && t.getDimsCount() > 0) {
                FloatBuffer f = t.getRawData()
                        .asReadOnlyByteBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer();
                float[] values = new float[f.remaining()];
                f.get(values);
                byName.put(t.getName(), values);
            }
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Identity") && byName.containsKey(n.getInput(0))) {
                byName.put(n.getOutput(0), byName.get(n.getInput(0)));
            }
        }
        return (weight, start, chunk) -> {
            String name = switch (weight.name()) {
                case "transformer.wte.weight" -> "wte";
                case "lm_head.bias" -> "lm_bias";
                default ->
                    "p."
                            + weight.name()
                                    .replace("transformer.", "")
                                    .replaceFirst("^h\\.(\\d+)\\.", "h$1_")
                                    .replace('.', '_');
            };
            float[] values = byName.get(name);
            if (values == null) {
                throw new IllegalStateException("the fixture has no " + name + " for " + weight.name());
            }
            long rows = weight.shape()[0];
            long cols = weight.shape().length > 1 ? weight.shape()[1] : 1;
            for (long i = start; chunk.hasRemaining(); i++) {
                // stored [in, out] = the Hugging Face [out, in] transposed
                chunk.put(weight.transposed() ? values[(int) ((i % rows) * cols + i / rows)] : values[(int) i]);
            }
        };
    }
}
