package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What a decoder graph's memory plan needs from the graph itself: its initializers' bytes by element type
 * (inline or in external data, read from the graph's entries, not from the data) and the element size of its
 * KV cache ({@code past_key_values.0.key}).
 *
 * @param bytesByType  initializer bytes by ONNX element type name
 * @param kvValueBytes bytes of one cached key or value
 */
public record DecoderWeights(Map<String, Long> bytesByType, int kvValueBytes) {

    /**
     * Reads {@code modelFile}'s graph.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when it cannot be read or has no KV cache input
     */
    public static DecoderWeights read(Path modelFile) {
        OnnxMl.GraphProto graph;
        try (InputStream in = Files.newInputStream(modelFile)) {
            graph = OnnxMl.ModelProto.parseFrom(in).getGraph();
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, modelFile + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, Long> bytes = new HashMap<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            bytes.merge(typeName(t.getDataType()), bytesOf(t, modelFile.getParent()), Long::sum);
        }
        int kv = graph.getInputList().stream()
                .filter(i -> i.getName().equals("past_key_values.0.key"))
                .findFirst()
                .map(i -> elementBytes(i.getType().getTensorType().getElemType()))
                .orElseThrow(() -> new EngineException(
                        ErrorCode.MODEL_INVALID, modelFile + ": no past_key_values.0.key input (no KV cache)"));
        return new DecoderWeights(bytes, kv);
    }

    private static long bytesOf(OnnxMl.TensorProto t, Path dir) {
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            Map<String, String> ext = OnnxProtos.externalData(t);
            if (ext.containsKey("length")) {
                return Long.parseLong(ext.get("length"));
            }
            try { // no length: the data runs to the end of its file
                return Files.size(dir.resolve(ext.get("location"))) - Long.parseLong(ext.getOrDefault("offset", "0"));
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }
        if (!t.getRawData().isEmpty()) {
            return t.getRawData().size();
        }
        long count = t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount() + t.getDoubleDataCount();
        return count * elementBytes(t.getDataType());
    }

    private static String typeName(int type) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(type);
        return t == null ? "type " + type : t.name();
    }

    private static int elementBytes(int type) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(type);
        if (t == null) {
            return 4;
        }
        return switch (t) {
            case DOUBLE, INT64, UINT64 -> 8;
            case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
            case INT8, UINT8, BOOL -> 1;
            default -> 4;
        };
    }
}
