package dev.gptjt.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test-only seam around a backend: absent unless asked for, and what a hook sees of a batch when it is. */
class HookedBackendTest {

    /** Two steps of a batch of one: a boundary after each, the result after the second. */
    private static final class TwoSteps implements GenerationBackend {
        @Override
        public String name() {
            return "two-steps";
        }

        @Override
        public List<EngineResult> run(List<PreparedRequest> batch) {
            return RowFeed.Collector.run(this, batch);
        }

        @Override
        public void run(List<PreparedRequest> batch, RowFeed feed) {
            feed.admit(1, 0);
            PreparedRequest r = batch.get(0);
            feed.complete(
                    r, new GenerationResult(r.id(), 1, new int[] {7}, "", FinishReason.LENGTH, 0, 0, 1, name(), 0, 0));
            feed.admit(0, 0);
        }

        @Override
        public void terminate() {}

        @Override
        public void close() {}
    }

    @Test
    void shouldLeaveTheBackendUndecoratedWhenNoTestAskedForAHook() {
        assumeTrue(System.getProperty(HookedBackend.STEP_SCALE_PROPERTY) == null, "the suite runs slowed down");
        GenerationBackend backend = new TwoSteps();
        assertSame(backend, HookedBackend.around(backend));
    }

    @Test
    void shouldTellTheHookOfEveryEventOfTheBatchAndOfTheTermination() {
        List<String> events = new ArrayList<>();
        StepHook.forNextEngine(new StepHook() {
            @Override
            public void batchStarting(int size) {
                events.add("batch " + size);
            }

            @Override
            public void atStepBoundary(int running) {
                events.add("boundary " + running);
            }

            @Override
            public void completed(EngineResult result) {
                events.add("ended " + result.id());
            }

            @Override
            public void terminated() {
                events.add("terminated");
            }
        });
        GenerationBackend hooked = HookedBackend.around(new TwoSteps());
        hooked.run(List.of(new PreparedRequest.Generation(
                "r", new int[] {1}, GenerationParams.DEFAULTS, 0, Long.MAX_VALUE, null)));
        hooked.close();
        assertEquals(List.of("batch 1", "boundary 1", "ended r", "boundary 0", "terminated"), events);
        GenerationBackend next = new TwoSteps();
        assertTrue(
                HookedBackend.around(next) == next || System.getProperty(HookedBackend.STEP_SCALE_PROPERTY) != null,
                "a hook is handed to one engine only");
    }

    @Test
    void shouldReadTheStepScaleAsAFactorOfAtLeastOne() {
        assertEquals(1, HookedBackend.stepScale(null));
        assertEquals(1, HookedBackend.stepScale(" "));
        assertEquals(10, HookedBackend.stepScale("10"));
        assertThrows(IllegalArgumentException.class, () -> HookedBackend.stepScale("0.1"));
        assertThrows(IllegalArgumentException.class, () -> HookedBackend.stepScale("fast"));
    }
}
