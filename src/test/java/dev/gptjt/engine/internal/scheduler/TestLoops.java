package dev.gptjt.engine.internal.scheduler;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.internal.Backends;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.TestHooks;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Step loops over a fake backend, with the engine's defaults for what a test does not set. */
final class TestLoops {
    private TestLoops() {}

    static StepLoop of(
            GenerationBackend backend, int maxBatchSize, Duration maxWait, int maxQueue, BatchFormation formation) {
        return new StepLoop(
                Backends.of(backend),
                new StepPolicy.Limits(
                        maxBatchSize,
                        Math.max(EngineConfig.DEFAULT_MAX_STEP_TOKENS, maxBatchSize + 1),
                        maxWait.toNanos(),
                        EngineConfig.DEFAULT_BULK_AGING.toNanos(),
                        formation),
                maxQueue,
                EngineConfig.DEFAULT_BULK_MAX_QUEUE,
                null,
                TestHooks.NONE);
    }

    /** A realtime request without a deadline. */
    static CompletableFuture<EngineResult> submit(StepLoop loop, PreparedRequest request) {
        return loop.submit(request, Lane.REALTIME, Long.MAX_VALUE, r -> r);
    }
}
