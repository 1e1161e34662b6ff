package dev.gptjt.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceProcessTest {

    @Test
    void shouldSizeDirectMemoryForAFullBatchOfTheModelsWholeContext(@TempDir Path dir) throws Exception {
        Path repo = Path.of(System.getProperty("gptjt.models")).getParent();
        Files.copy(repo.resolve("docs/gpt-jt-6b-v1.config.json"), dir.resolve("config.json"));
        // GPT-JT-6B: 2 × 28 layers × 4096 × 4 bytes = 917 504 bytes per token; × 16 rows × 2048 tokens × 2 = 57 344 MB,
        // + 256
        assertEquals(
                List.of("-Xmx768m", "-XX:MaxDirectMemorySize=57600m"),
                ServiceProcess.memoryOptions(Map.of("gptjt.model.dir", dir.toString())));
        assertEquals(
                List.of("-Xmx768m", "-XX:MaxDirectMemorySize=28928m"),
                ServiceProcess.memoryOptions(
                        Map.of("gptjt.model.dir", dir.toString(), "gptjt.engine.max-batch-size", "8")));
        // the demo model needs little: the floor
        assertEquals(
                List.of("-Xmx768m", "-XX:MaxDirectMemorySize=512m"),
                ServiceProcess.memoryOptions(Map.of(
                        "gptjt.model.dir", repo.resolve("models/demo-gptj").toString())));
    }

    @Test
    void shouldHandOnlyTheEnginesTestHooksToTheService() {
        System.setProperty("gptjt-test.step-scale", "10");
        try {
            Map<String, String> hooks = ServiceProcess.testHooks();
            assertEquals("10", hooks.get("gptjt-test.step-scale"));
            assertTrue(hooks.keySet().stream().allMatch(k -> k.startsWith("gptjt-test.")), hooks.toString());
        } finally {
            System.clearProperty("gptjt-test.step-scale");
        }
        assertEquals(Map.of(), ServiceProcess.testHooks());
    }
}
