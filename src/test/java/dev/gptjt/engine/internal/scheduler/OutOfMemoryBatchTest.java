package dev.gptjt.engine.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A batch that runs out of memory fails alone; the scheduler goes on with the next. */
class OutOfMemoryBatchTest {
    /** Fails its first batch as a direct-buffer allocation does, answers every later one. */
    private static final class FirstBatchOutOfMemory implements GenerationBackend {
        private int batches;

        @Override
        public String name() {
            return "oom-once";
        }

        @Override
        public List<EngineResult> run(List<PreparedRequest> batch) {
            if (batches++ == 0) {
                throw new OutOfMemoryError("Cannot reserve 33554432 bytes of direct buffer memory");
            }
            return batch.stream()
                    .<EngineResult>map(r -> new GenerationResult(
                            r.id(), 0, new int[0], "", FinishReason.LENGTH, 0, 0, batch.size(), name(), 0, 0, 0, 0))
                    .toList();
        }

        @Override
        public void terminate() {}

        @Override
        public void close() {}
    }

    @Test
    void shouldFailTheBatchThatRanOutOfMemoryAndServeTheNext() throws Exception {
        StepLoop scheduler = TestLoops.of(new FirstBatchOutOfMemory(), 1, Duration.ZERO, 8, BatchFormation.FIFO);
        try {
            var first = TestLoops.submit(scheduler, request("first"));
            EngineException e =
                    EngineException.from(assertThrows(Exception.class, () -> first.get(30, TimeUnit.SECONDS)));
            assertEquals(ErrorCode.INFERENCE_FAILED, e.code());
            assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
            assertEquals(
                    "second",
                    TestLoops.submit(scheduler, request("second"))
                            .get(30, TimeUnit.SECONDS)
                            .id());
        } finally {
            scheduler.close();
        }
    }

    private static PreparedRequest request(String id) {
        return new PreparedRequest.Generation(id, new int[] {1}, GenerationParams.DEFAULTS, 0, Long.MAX_VALUE, null);
    }
}
