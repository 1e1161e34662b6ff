package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU overlay's init container command, run as written against the packaged application (its
 * {@code /deployments} is {@code target/quarkus-app}), on the tiny model: it writes the in-graph graphs
 * beside links to the export, and a volume without the export fails it with one line.
 */
class ModelPrepIT {
    private static final Path DEPLOY =
            Path.of(System.getProperty("gptjt.models")).getParent().resolve("deploy");
    private static final Path APP = Path.of("target", "quarkus-app").toAbsolutePath();

    private record Run(int code, String output) {}

    private static JsonNode patch() throws Exception {
        return new ObjectMapper(new YAMLFactory())
                .readTree(DEPLOY.resolve("overlays/gpu/gpu-patch.yaml").toFile());
    }

    /** The init container's command with the pod's paths mapped to {@code model} and {@code out} here. */
    private static Run prepare(Path model, Path out) throws Exception {
        JsonNode init = patch().at("/spec/template/spec/initContainers/0");
        List<String> argv = new ArrayList<>();
        for (JsonNode a : init.at("/command")) {
            argv.add(a.asText()
                    .replace("/deployments", APP.toString())
                    .replace("/models/gpt-jt-6b", model.toString())
                    .replace("/var/lib/gptjt/model", out.toString()));
        }
        argv.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        return new Run(p.exitValue(), output);
    }

    @Test
    void shouldWriteTheInGraphGraphsWhereTheServiceReadsItsModel(@TempDir Path tmp) throws Exception {
        JsonNode spec = patch().at("/spec/template/spec");
        JsonNode init = spec.at("/initContainers/0");
        List<String> command = new ArrayList<>();
        init.at("/command").forEach(a -> command.add(a.asText()));
        String out = command.get(command.indexOf("--out") + 1);
        String serviceDir = null;
        for (JsonNode env : spec.at("/containers/0/env")) {
            if (env.at("/name").asText().equals("GPTJT_MODEL_DIR")) {
                serviceDir = env.at("/value").asText();
            }
        }
        assertEquals(out, serviceDir, "the service reads the directory the init container writes");
        assertEquals(out, init.at("/volumeMounts/1/mountPath").asText());

        Path tiny = Path.of(System.getProperty("gptjt.models")).resolve("tiny-gptj");
        Path prepared = tmp.resolve("prepared");
        Run ok = prepare(tiny, prepared);
        assertEquals(0, ok.code(), ok.output());
        for (String f : List.of("greedy_search.onnx", "classify.onnx", "model.onnx", "config.json", "vocab.json")) {
            assertTrue(Files.exists(prepared.resolve(f)), f + " in " + prepared + ": " + ok.output());
        }

        Run missing = prepare(Files.createDirectories(tmp.resolve("empty-volume")), tmp.resolve("never"));
        assertEquals(2, missing.code(), missing.output());
        assertEquals(1, missing.output().strip().lines().count(), missing.output());
        assertTrue(missing.output().contains("model.onnx"), missing.output());
        assertTrue(!Files.exists(tmp.resolve("never").resolve("greedy_search.onnx")));
    }
}
