package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Reads an fp32 or fp16 initializer's values as floats, one tensor at a time: inline (raw, float_data, or int32_data
 * holding fp16 bits) or from an external data file, streamed in chunks straight into the floats so that a weight is
 * held once, never twice (a 6 B model's lm_head is 825 MB).
 */
@FunctionalInterface
interface InitializerFloats {
    float[] of(OnnxMl.TensorProto tensor) throws IOException;

    /** Reads initializers whose external data files lie in {@code weightsDir} (inline ones need none: null). */
    static InitializerFloats beside(Path weightsDir) {
        return t -> read(t, weightsDir);
    }

    /** The values of {@code t}, an fp32 or fp16 initializer whose external data (if any) lies in {@code weightsDir}. */
    static float[] read(OnnxMl.TensorProto t, Path weightsDir) throws IOException {
        boolean fp16 = t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT16.getNumber();
        long count = 1;
        for (long d : t.getDimsList()) {
            count *= d;
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IOException(t.getName() + " has " + count + " values, more than one Java array holds");
        }
        float[] out = new float[(int) count];
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            readExternal(t, weightsDir, fp16, out);
        } else if (!t.getRawData().isEmpty()) {
            take(t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN), fp16, out, 0);
        } else if (fp16) {
            for (int i = 0; i < out.length; i++) {
                out[i] = Fp16.value((short) t.getInt32Data(i)); // ONNX keeps fp16 bits in int32_data
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    private static void readExternal(OnnxMl.TensorProto t, Path weightsDir, boolean fp16, float[] out)
            throws IOException {
        int valueBytes = fp16 ? 2 : 4;
        Map<String, String> ext = OnnxProtos.externalData(t);
        long offset = Long.parseLong(ext.getOrDefault("offset", "0"));
        try (FileChannel ch = FileChannel.open(weightsDir.resolve(ext.get("location")), StandardOpenOption.READ)) {
            // 4 MB at a time, each chunk's values taken before the next is read
            ByteBuffer chunk = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            int done = 0;
            long position = offset;
            while (done < out.length) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), (long) valueBytes * (out.length - done)));
                while (chunk.hasRemaining()) {
                    int read = ch.read(chunk, position);
                    if (read < 0) {
                        throw new IOException("external data of " + t.getName() + " ends early");
                    }
                    position += read;
                }
                chunk.flip();
                done = take(chunk, fp16, out, done);
            }
        }
    }

    /** Puts {@code bytes}' values (fp32, or fp16 bits) into {@code out} from {@code at}; the index after the last. */
    private static int take(ByteBuffer bytes, boolean fp16, float[] out, int at) {
        if (!fp16) {
            int floats = bytes.remaining() / 4;
            bytes.asFloatBuffer().get(out, at, floats);
            return at + floats;
        }
        while (bytes.remaining() >= 2) {
            out[at++] = Fp16.value(bytes.getShort());
        }
        return at;
    }
}
