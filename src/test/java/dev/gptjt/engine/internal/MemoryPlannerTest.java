package dev.gptjt.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.MemoryPlan;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The memory plan is worked out from the model's shapes before anything loads, and a plan that does not fit refuses. */
class MemoryPlannerTest {

    @Test
    void shouldCountGptJt6bsKvCacheAsTheIssueStatesIt() {
        ModelConfig gptJt = ModelConfig.read(Fixtures.models().getParent().resolve("docs/gpt-jt-6b-v1.config.json"));
        assertEquals(458_752, MemoryPlan.kvBytesPerToken(gptJt, 2), "fp16: 458 KB a token");
        assertEquals(917_504, MemoryPlan.kvBytesPerToken(gptJt, 4), "fp32: 917 KB a token");
    }

    @Test
    void shouldPlanTheWeightsTheKvCacheAndTheActivationsOfAFullBatch() throws Exception {
        EngineConfig config = EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(8, Duration.ofMillis(5), 64);
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            MemoryPlan plan = engine.memoryPlan();
            ModelConfig shape = engine.model().config();
            assertEquals(8, plan.maxBatchSize());
            assertEquals(shape.nPositions(), plan.context());
            assertEquals(4, plan.kvValueBytes());
            assertEquals(2L * shape.nLayer() * shape.nEmbd() * 4, plan.kvBytesPerToken());
            assertEquals(plan.kvBytesPerToken() * shape.nPositions() * 8, plan.kvBytes());
            assertEquals(
                    plan.weightBytes() + 2 * plan.kvBytes() + plan.activationBytes(),
                    plan.totalBytes(),
                    "a step holds the past and its present together");
            long onDisk = Files.size(ModelDirectory.open(Fixtures.tinyGptj()).modelFile());
            assertTrue(
                    plan.weightBytes() > onDisk * 0.95 && plan.weightBytes() <= onDisk,
                    plan.weightBytes() + " of " + onDisk);
            assertTrue(
                    plan.weightBytesByType().containsKey("FLOAT"),
                    plan.weightBytesByType().toString());
            assertTrue(plan.fits(), plan.table());
            assertTrue(plan.budgetSource().contains("less the JVM heap"), plan.budgetSource());
            assertTrue(plan.table().contains("KV cache") && plan.table().contains(": fits"), plan.table());
        }
    }

    @Test
    void shouldRefuseToOpenAnEngineWhosePlanDoesNotFitNamingTheLargestBatchThatDoes() {
        EngineConfig config = EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(64, Duration.ofMillis(5), 64);
        MemoryPlan wanted = MemoryPlanner.plan(ModelDirectory.open(Fixtures.tinyGptj()), config);
        // room for the weights and three rows, not four
        long perRow = 2 * wanted.kvBytesPerToken() * wanted.context() + wanted.activationBytes() / 64;
        long budget = wanted.weightBytes() + 3 * perRow + perRow / 2;
        EngineException e =
                assertThrows(EngineException.class, () -> InferenceEngine.open(config.withMemoryBudget(budget)));
        assertEquals(ErrorCode.MEMORY_PLAN_EXCEEDED, e.code());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(
                e.getMessage().contains("lower max-batch-size to 3 (fits)")
                        && e.getMessage().contains("memory-budget"),
                e.getMessage());
        try (InferenceEngine three = InferenceEngine.open(
                config.withBatching(3, Duration.ofMillis(5), 64).withMemoryBudget(budget))) {
            assertTrue(three.memoryPlan().fits(), three.memoryPlan().table());
        }
        EngineException none = assertThrows(
                EngineException.class, () -> InferenceEngine.open(config.withMemoryBudget(wanted.weightBytes() / 2)));
        assertTrue(none.getMessage().contains("not even one row fits"), none.getMessage());
    }
}
