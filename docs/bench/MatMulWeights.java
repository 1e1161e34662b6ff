import ai.onnx.proto.OnnxMl;
import java.io.*;
import java.nio.*;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.*;

/**
 * A stand-in for a GPT-JT-6B fp32 export's weights, to measure what converting one costs (issue 26): the 169
 * MatMul weights of GPT-JT-6B's exact shapes (28 x [4 x 4096x4096, 4096x16384, 16384x4096], lm_head 4096x50400),
 * random (seed 0, sd 0.02), in one 23.4 GB model.onnx_data written tensor by tensor (16 MB held at a time),
 * each weight a MatMul of a chain of independent ones. It is not a GPT-J (no attention, no embedding): it is
 * for `gptjt convert --quantize int4`, not for serving.
 *
 * Run from the repository root after a build (any bin/gptjt command that runs Java builds on first use):
 *   java -cp "$(cat cli/target/classpath.txt)" docs/bench/MatMulWeights.java /some/dir
 */
public class MatMulWeights {
    public static void main(String[] a) throws Exception {
        Path out = Path.of(a[0]);
        Files.createDirectories(out);
        int E = 4096, I = 16384, V = 50400, L = 28;
        List<long[]> shapes = new ArrayList<>();
        for (int l = 0; l < L; l++) {
            for (int j = 0; j < 4; j++) shapes.add(new long[] {E, E});
            shapes.add(new long[] {E, I});
            shapes.add(new long[] {I, E});
        }
        shapes.add(new long[] {E, V});
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("matmuls");
        long offset = 0;
        Random r = new Random(0);
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 24).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(out.resolve("model.onnx_data"), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (int i = 0; i < shapes.size(); i++) {
                long[] s = shapes.get(i);
                long n = s[0] * s[1];
                long left = n;
                while (left > 0) {
                    chunk.clear();
                    int m = (int) Math.min(left, chunk.capacity() / 4);
                    for (int k = 0; k < m; k++) chunk.putFloat((float) (r.nextGaussian() * 0.02));
                    chunk.flip();
                    while (chunk.hasRemaining()) ch.write(chunk);
                    left -= m;
                }
                String w = "w" + i;
                g.addInitializer(OnnxMl.TensorProto.newBuilder().setName(w).setDataType(1).addDims(s[0]).addDims(s[1])
                        .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(e("location", "model.onnx_data")).addExternalData(e("offset", "" + offset)).addExternalData(e("length", "" + n * 4)));
                offset += n * 4;
                g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("MatMul").setName("mm" + i).addInput("x" + i).addInput(w).addOutput("y" + i));
                g.addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x" + i));
                g.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y" + i));
                System.err.println("tensor " + i + " " + Arrays.toString(s) + ", " + offset + " bytes written");
            }
        }
        OnnxMl.ModelProto m = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17)).build();
        Files.write(out.resolve("model.onnx"), m.toByteArray());
        Files.copy(Path.of("models/tiny-gptj/config.json"), out.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        for (String f : List.of("vocab.json", "merges.txt")) Files.copy(Path.of("models/tiny-gptj/" + f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    static OnnxMl.StringStringEntryProto e(String k, String v) { return OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build(); }
}
