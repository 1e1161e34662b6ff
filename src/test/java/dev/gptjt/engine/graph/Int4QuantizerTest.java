package dev.gptjt.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.gptjt.engine.EngineException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ONNX Runtime's MatMulNBits over our 4-bit layout computes what the dequantized fp32 weights do. */
class Int4QuantizerTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    /** The test models' weights are inline: no external data folder. */
    private static final InitializerFloats INLINE = InitializerFloats.beside(null);

    /** {@code Y = A · B}, A {@code [M, K]} an input, B {@code [K, N]} an initializer. */
    private static OnnxMl.ModelProto matMul(float[] b, int k, int n) {
        ByteBuffer raw = ByteBuffer.allocate(b.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : b) {
            raw.putFloat(v);
        }
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("mm")
                .addInput(GraphBuilder.tensor("A", OnnxMl.TensorProto.DataType.FLOAT, "m", (long) k))
                .addOutput(GraphBuilder.tensor("Y", OnnxMl.TensorProto.DataType.FLOAT, "m", (long) n))
                .addInitializer(OnnxMl.TensorProto.newBuilder()
                        .setName("B")
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .addDims(k)
                        .addDims(n)
                        .setRawData(ByteString.copyFrom(raw.array())))
                .addNode(GraphBuilder.node("MatMul", "mm", new String[] {"A", "B"}, new String[] {"Y"}))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(graph)
                .build();
    }

    private static float[] run(OnnxMl.ModelProto model, float[] a, int m, int k) throws Exception {
        try (OrtSession s = ENV.createSession(model.toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(ENV, java.nio.FloatBuffer.wrap(a), new long[] {m, k});
                OrtSession.Result r = s.run(Map.of("A", in))) {
            float[][] y = (float[][]) r.get(0).getValue();
            float[] flat = new float[y.length * y[0].length];
            for (int i = 0; i < y.length; i++) {
                System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
            }
            return flat;
        }
    }

    @Test
    void shouldComputeWhatTheDequantizedWeightsComputeForSeveralShapesAndBlockSizes() throws Exception {
        Random random = new Random(5);
        int[][] shapes = {{64, 8}, {37, 5}, {128, 33}, {200, 16}};
        for (int[] shape : shapes) {
            for (int block : new int[] {16, 32, 64, 128}) {
                for (boolean zeroPoints : new boolean[] {false, true}) {
                    int k = shape[0];
                    int n = shape[1];
                    int m = 3;
                    float[] w = new float[k * n];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = (float) random.nextGaussian();
                    }
                    float[] a = new float[m * k];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) random.nextGaussian();
                    }
                    OnnxMl.ModelProto fp32 = matMul(w, k, n);
                    Int4Plan plan = Int4Plan.of(fp32, new Int4Quantizer.Options(block, 0, zeroPoints));
                    assertEquals(1, plan.matMuls());
                    OnnxMl.ModelProto q = Int4Weights.inline(plan, INLINE);
                    assertEquals("MatMulNBits", q.getGraph().getNode(0).getOpType());
                    float[] dequantized =
                            Int4Blocks.dequantize(Int4Blocks.pack(w, k, n, false, block, zeroPoints), k, n, block);
                    float[] expected = run(matMul(dequantized, k, n), a, m, k);
                    float[] actual = run(q, a, m, k);
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(
                                expected[i],
                                actual[i],
                                1e-4 * (1 + Math.abs(expected[i])),
                                "K=" + k + " N=" + n + " block=" + block + " zero points " + zeroPoints + " at " + i);
                    }
                    // and 4 bits stay close to the fp32 weights themselves (symmetric, 15 levels a block)
                    float[] original = run(fp32, a, m, k);
                    double err = 0;
                    double norm = 0;
                    for (int i = 0; i < original.length; i++) {
                        err += Math.pow(original[i] - actual[i], 2);
                        norm += Math.pow(original[i], 2);
                    }
                    assertTrue(Math.sqrt(err / norm) < 0.2, "relative error " + Math.sqrt(err / norm));
                }
            }
        }
    }

    @Test
    void shouldRefuseBf16WeightsInsteadOfWritingNothing4Bit() {
        OnnxMl.ModelProto fp32 = matMul(new float[32 * 4], 32, 4);
        OnnxMl.GraphProto.Builder g = fp32.getGraph().toBuilder();
        g.setInitializer(
                0,
                g.getInitializer(0).toBuilder()
                        .setDataType(OnnxMl.TensorProto.DataType.BFLOAT16.getNumber())
                        .setRawData(ByteString.copyFrom(new byte[32 * 4 * 2])));
        OnnxMl.ModelProto bf16 = fp32.toBuilder().setGraph(g).build();
        EngineException e =
                assertThrows(EngineException.class, () -> Int4Plan.of(bf16, Int4Quantizer.Options.DEFAULTS));
        assertTrue(e.getMessage().contains("BFLOAT16, not fp32 or fp16"), e.getMessage());
    }

    @Test
    void shouldRefuseAModelThatIsAlreadyQuantized() throws Exception {
        float[] w = new float[32 * 4];
        OnnxMl.ModelProto once =
                Int4Weights.inline(Int4Plan.of(matMul(w, 32, 4), Int4Quantizer.Options.DEFAULTS), INLINE);
        EngineException e =
                assertThrows(EngineException.class, () -> Int4Plan.of(once, Int4Quantizer.Options.DEFAULTS));
        assertTrue(e.getMessage().contains("already quantized"), e.getMessage());
    }

    @Test
    void shouldReadEveryHalfAsTheFloatItStandsForWhereverItIsStored() throws Exception {
        for (int h = 0; h < 0x10000; h++) {
            float f = Fp16.value((short) h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, Fp16.bits(f), "half " + Integer.toHexString(h) + " = " + f);
            }
        }
        float[] values = {0f, -0f, 1f, -2.5f, 65504f, 0x1p-24f, 1e-3f, Float.POSITIVE_INFINITY};
        ByteBuffer raw = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        OnnxMl.TensorProto.Builder int32Data = OnnxMl.TensorProto.newBuilder()
                .setName("w")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT16.getNumber())
                .addDims(values.length);
        for (float v : values) {
            raw.putShort(Fp16.bits(v));
            int32Data.addInt32Data(Fp16.bits(v) & 0xffff);
        }
        OnnxMl.TensorProto inline = int32Data
                .clone()
                .clearInt32Data()
                .setRawData(ByteString.copyFrom(raw.array()))
                .build();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fp16");
        java.nio.file.Files.write(dir.resolve("data"), raw.array());
        OnnxMl.TensorProto external = int32Data
                .clone()
                .clearInt32Data()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey("location")
                        .setValue("data"))
                .build();
        for (OnnxMl.TensorProto t : new OnnxMl.TensorProto[] {inline, int32Data.build(), external}) {
            float[] read = InitializerFloats.read(t, dir);
            for (int i = 0; i < values.length; i++) {
                assertEquals(Fp16.value(Fp16.bits(values[i])), read[i], 0f, t.getDataLocation() + " " + i);
            }
        }
    }
}
