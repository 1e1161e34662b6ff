package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Writes a planned 4-bit model as {@code model.onnx} and every initializer of 1 KB or more into {@code
 * model.onnx_data} (a 6 B model's 4-bit weights are over protobuf's 2 GB limit): each MatMul's 4-bit form as soon as
 * it is made, untouched external weights copied file to file, never loaded whole.
 */
final class Int4ModelWriter {
    private static final String DATA_FILE = ModelDirectory.MODEL_FILE + "_data";
    /** Smaller initializers stay inline in the graph. */
    private static final int EXTERNAL_FROM_BYTES = 1024;

    private Int4ModelWriter() {}

    /**
     * @param weightsDir where the source's external data files lie
     * @return the bytes of every initializer written into the data file
     */
    static long write(Int4Plan plan, Int4Weights weights, Path weightsDir, Path outDir) throws IOException {
        OnnxMl.GraphProto.Builder g = plan.model().getGraph().toBuilder();
        long offset = 0;
        try (FileChannel out = FileChannel.open(
                outDir.resolve(DATA_FILE),
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (int i = 0; i < g.getInitializerCount(); i++) {
                OnnxMl.TensorProto t = g.getInitializer(i);
                long length;
                if (weights.isPending(t.getName())) {
                    // made now and written at once: the 4-bit weights are never all in memory together
                    byte[] bytes = weights.bytes(t.getName());
                    if (bytes.length < EXTERNAL_FROM_BYTES) {
                        g.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(bytes)));
                        continue;
                    }
                    length = bytes.length;
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                } else if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                    length = copyExternal(t, weightsDir, out);
                } else if (t.getRawData().size() >= EXTERNAL_FROM_BYTES) {
                    length = t.getRawData().size();
                    out.write(t.getRawData().asReadOnlyByteBuffer());
                } else {
                    continue;
                }
                g.setInitializer(i, external(t, offset, length));
                offset += length;
            }
        }
        try (OutputStream os = Files.newOutputStream(outDir.resolve(ModelDirectory.MODEL_FILE))) {
            plan.model().toBuilder().setGraph(g).build().writeTo(os);
        }
        return offset;
    }

    /** Copies {@code t}'s external bytes file to file onto the end of {@code out}; their length. */
    private static long copyExternal(OnnxMl.TensorProto t, Path weightsDir, FileChannel out) throws IOException {
        Map<String, String> ext = OnnxProtos.externalData(t);
        long from = Long.parseLong(ext.getOrDefault("offset", "0"));
        long length = Long.parseLong(ext.get("length"));
        try (FileChannel in = FileChannel.open(weightsDir.resolve(ext.get("location")), StandardOpenOption.READ)) {
            long done = 0;
            while (done < length) {
                done += in.transferTo(from + done, length - done, out);
            }
        }
        return length;
    }

    /** {@code t} pointing at {@code length} bytes from {@code offset} of the data file. */
    private static OnnxMl.TensorProto external(OnnxMl.TensorProto t, long offset, long length) {
        return t.toBuilder()
                .clearRawData()
                .clearExternalData()
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(GraphBuilder.entry("location", DATA_FILE))
                .addExternalData(GraphBuilder.entry("offset", Long.toString(offset)))
                .addExternalData(GraphBuilder.entry("length", Long.toString(length)))
                .build();
    }
}
