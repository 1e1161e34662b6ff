package dev.gptjt.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.InferenceEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {

    private static EngineException openFails(Path dir) {
        EngineException e = assertThrows(
                EngineException.class,
                () -> InferenceEngine.open(EngineConfig.defaults(dir)).close());
        assertEquals(ErrorCode.MODEL_INVALID, e.code());
        return e;
    }

    @Test
    void shouldNameTheMissingFile(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("m"));
        Files.delete(dir.resolve("merges.txt"));
        assertTrue(openFails(dir).getMessage().contains("merges.txt"));
    }

    @Test
    void shouldNameAMissingConfigField(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("m"));
        Files.writeString(
                dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("\"n_head\"", "\"heads\""));
        String message = openFails(dir).getMessage();
        assertTrue(message.contains("config.json") && message.contains("n_head"), message);
    }

    @Test
    void shouldNameTheGraphInputThatContradictsTheConfig(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("m"));
        Files.writeString(
                dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("\"n_layer\": 2", "\"n_layer\": 3"));
        String message = openFails(dir).getMessage();
        assertTrue(message.contains("model.onnx") && message.contains("past_key_values.2.key"), message);
    }

    @Test
    void shouldNameAHeadSizeMismatch(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.copyModel(Fixtures.tinyGptj(), tmp.resolve("m"));
        Files.writeString(
                dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("\"n_head\": 4", "\"n_head\": 8"));
        String message = openFails(dir).getMessage();
        assertTrue(message.contains("n_head=8"), message);
    }

    @Test
    void shouldRefuseAMissingDirectory(@TempDir Path tmp) {
        assertTrue(openFails(tmp.resolve("nope")).getMessage().contains("does not exist"));
    }

    @Test
    void shouldHashTheModelFile() {
        ModelDirectory dir = ModelDirectory.open(Fixtures.tinyGptj());
        assertEquals(64, dir.contentHash().length());
        assertEquals("tiny-gptj", dir.name());
    }
}
