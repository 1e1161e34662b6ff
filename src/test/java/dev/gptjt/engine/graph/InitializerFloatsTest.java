package dev.gptjt.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** External weights are read from their offset in chunks: a tensor several chunks long comes back whole. */
class InitializerFloatsTest {
    /** More values than one 4 MB chunk holds in fp32 and in fp16, and not a whole number of chunks. */
    private static final int VALUES = (5 << 20) / 2 + 3;

    private static final int OFFSET = 4096;

    @Test
    void shouldReadAnExternalTensorOfSeveralChunksFromItsOffset(@TempDir Path dir) throws IOException {
        for (OnnxMl.TensorProto.DataType type : new OnnxMl.TensorProto.DataType[] {
            OnnxMl.TensorProto.DataType.FLOAT, OnnxMl.TensorProto.DataType.FLOAT16
        }) {
            boolean fp16 = type == OnnxMl.TensorProto.DataType.FLOAT16;
            ByteBuffer data =
                    ByteBuffer.allocate(OFFSET + VALUES * (fp16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            data.position(OFFSET);
            for (int i = 0; i < VALUES; i++) {
                float v = valueAt(i);
                if (fp16) {
                    data.putShort(Fp16.bits(v));
                } else {
                    data.putFloat(v);
                }
            }
            Files.write(dir.resolve(type + ".data"), data.array());

            float[] read = InitializerFloats.read(external(type, OFFSET), dir);

            assertEquals(VALUES, read.length);
            for (int i = 0; i < VALUES; i++) {
                if (read[i] != valueAt(i)) {
                    assertEquals(valueAt(i), read[i], 0f, type + " value " + i);
                }
            }
        }
    }

    @Test
    void shouldSayWhichTensorsExternalDataEndsEarly(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("FLOAT.data"), new byte[OFFSET + 8]);
        IOException e = assertThrows(
                IOException.class,
                () -> InitializerFloats.read(external(OnnxMl.TensorProto.DataType.FLOAT, OFFSET), dir));
        assertEquals("external data of w ends early", e.getMessage());
    }

    /** Values every half represents exactly, so fp32 and fp16 read back the same. */
    private static float valueAt(int i) {
        return (i % 2048) - 1024;
    }

    private static OnnxMl.TensorProto external(OnnxMl.TensorProto.DataType type, long offset) {
        return OnnxMl.TensorProto.newBuilder()
                .setName("w")
                .setDataType(type.getNumber())
                .addDims(VALUES)
                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", type + ".data"))
                .addExternalData(entry("offset", Long.toString(offset)))
                .build();
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(key)
                .setValue(value)
                .build();
    }
}
