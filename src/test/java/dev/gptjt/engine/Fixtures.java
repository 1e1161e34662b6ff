package dev.gptjt.engine;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The committed fixture models (repository {@code models/}) and their Hugging Face goldens. */
public final class Fixtures {
    private Fixtures() {}

    public static Path models() {
        String configured = System.getProperty("gptjt.models");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/tiny-gptj"))) {
                return p.resolve("models");
            }
        }
        throw new IllegalStateException("cannot find the repository's models/ directory");
    }

    public static Path tinyGptj() {
        return models().resolve("tiny-gptj");
    }

    public static JsonNode golden() {
        try {
            return new ObjectMapper().readTree(tinyGptj().resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    /** A generation case of golden.json. */
    public record GenerationCase(String prompt, int[] inputIds, int[] hfOutputIds) {}

    public static List<GenerationCase> generationCases() {
        List<GenerationCase> cases = new ArrayList<>();
        for (JsonNode c : golden().get("generation_cases")) {
            cases.add(new GenerationCase(
                    c.get("prompt").asText(), ints(c.get("input_ids")), ints(c.get("hf_output_ids"))));
        }
        return cases;
    }

    /** Copies a model directory (so a test can alter its config) into {@code target}. */
    public static Path copyModel(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    /** Moves every large initializer of the model into {@code dataName} beside it, as big exports store weights. */
    public static long externalize(Path modelFile, String dataName) throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(modelFile));
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        long offset = 0;
        try (OutputStream data = Files.newOutputStream(modelFile.resolveSibling(dataName))) {
            for (int i = 0; i < g.getInitializerCount(); i++) {
                OnnxMl.TensorProto t = g.getInitializer(i);
                if (t.getRawData().size() < 1024) {
                    continue;
                }
                byte[] bytes = t.getRawData().toByteArray();
                data.write(bytes);
                g.setInitializer(
                        i,
                        t.toBuilder()
                                .clearRawData()
                                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                                .addExternalData(entry("location", dataName))
                                .addExternalData(entry("offset", Long.toString(offset)))
                                .addExternalData(entry("length", Long.toString(bytes.length))));
                offset += bytes.length;
            }
        }
        Files.write(modelFile, model.toBuilder().setGraph(g).build().toByteArray());
        return offset;
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(key)
                .setValue(value)
                .build();
    }
}
