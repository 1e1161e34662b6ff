package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineConfigTest {
    private static final Path MODEL = Path.of("models/tiny-gptj");

    @Test
    void shouldBuildTheDefaultsWhenNoSettingIsNamed() {
        EngineConfig config = EngineConfig.builder(MODEL).build();
        assertEquals(EngineConfig.defaults(MODEL), config);
        assertEquals(ExecutionProvider.CPU, config.provider());
        assertEquals(EngineConfig.DEFAULT_MAX_BATCH_SIZE, config.maxBatchSize());
        assertEquals(EngineConfig.DEFAULT_MAX_WAIT, config.maxWait());
        assertEquals(EngineConfig.DEFAULT_MAX_QUEUE, config.maxQueue());
        assertEquals(EngineConfig.DEFAULT_BATCH_FORMATION, config.batchFormation());
        assertEquals(EngineConfig.DEFAULT_MAX_NEW_TOKENS_CAP, config.maxNewTokensCap());
        assertEquals(EngineConfig.DEFAULT_BACKEND, config.backend());
        assertEquals(EngineConfig.AUTO_MEMORY_BUDGET, config.memoryBudget());
        assertEquals(EngineConfig.MODEL_CONTEXT, config.maxContext());
        assertEquals(Duration.ZERO, config.maxQueueAge());
    }

    @Test
    void shouldChangeOnlyTheNamedSettingsOfACopy() {
        EngineConfig base = EngineConfig.builder(MODEL)
                .maxBatchSize(4)
                .maxQueue(8)
                .spinWait(false)
                .build();
        EngineConfig copy = base.toBuilder().maxContext(512).build();
        assertEquals(512, copy.maxContext());
        assertEquals(4, copy.maxBatchSize());
        assertEquals(8, copy.maxQueue());
        assertEquals(false, copy.spinWait());
        assertEquals(base, copy.withMaxContext(EngineConfig.MODEL_CONTEXT));
    }

    @Test
    void shouldListEveryBrokenLimitEachNamingItsSetting() {
        EngineConfig.Builder broken = EngineConfig.builder(MODEL)
                .deviceId(-1)
                .maxBatchSize(8)
                .maxQueue(4)
                .maxWait(Duration.ofMillis(-1))
                .memoryBudget(-1)
                .maxContext(-1);
        List<EngineConfig.Problem> problems = broken.problems();
        assertEquals(
                List.of(
                        EngineConfig.Setting.DEVICE_ID,
                        EngineConfig.Setting.MAX_WAIT,
                        EngineConfig.Setting.MAX_QUEUE,
                        EngineConfig.Setting.MEMORY_BUDGET,
                        EngineConfig.Setting.MAX_CONTEXT),
                problems.stream().map(EngineConfig.Problem::setting).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, broken::build);
        assertEquals(
                "device-id must be >= 0; max-wait must not be negative; max-queue (4) must be >= max-batch-size (8);"
                        + " memory-budget must not be negative; max-context must not be negative",
                e.getMessage());
    }

    @Test
    void shouldNameAProblemWithTheCallersKey() {
        EngineConfig.Problem problem =
                EngineConfig.builder(MODEL).maxQueue(2).problems().get(0);
        assertEquals(
                "gptjt.engine.max-queue (2) must be >= max-batch-size (16)",
                problem.describe("gptjt.engine.max-queue"));
    }
}
