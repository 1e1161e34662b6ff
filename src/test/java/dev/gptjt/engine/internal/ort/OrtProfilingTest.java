package dev.gptjt.engine.internal.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.InferenceEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EngineConfig#ortProfile()}: ONNX Runtime's per-operator trace, for diagnosis. */
class OrtProfilingTest {

    @Test
    void shouldWriteOrtsTraceOfEveryRunWhenTheEngineCloses(@TempDir Path tmp) throws Exception {
        EngineConfig config = EngineConfig.defaults(Fixtures.tinyGptj()).withOrtProfile(tmp.resolve("tiny"));
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            engine.submit(new GenerationRequest(
                            "p",
                            "Hello there",
                            GenerationParams.DEFAULTS.withMaxNewTokens(3).withIgnoreEos(true)))
                    .join();
        }
        List<Path> traces;
        try (Stream<Path> files = Files.list(tmp)) {
            traces = files.filter(f -> f.getFileName().toString().matches("tiny_.*\\.json"))
                    .toList();
        }
        assertEquals(1, traces.size(), "one session, one trace: " + traces);
        String trace = Files.readString(traces.get(0));
        // a prompt pass and two steps, each a model_run with its operators' kernel times
        assertEquals(
                3,
                trace.split("\"name\" ?: ?\"model_run\"", -1).length - 1,
                trace.substring(0, Math.min(400, trace.length())));
        assertTrue(trace.contains("\"op_name\" : \"MatMul\"") || trace.contains("\"op_name\":\"MatMul\""));
    }
}
