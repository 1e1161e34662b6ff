package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Cancelling a dependent stage reaches the stage it waits on: the engine's future. */
class StagesTest {

    @Test
    void shouldCancelTheSourceOfAMappedStageAndNeverRunTheMapping() {
        CompletableFuture<String> engine = new CompletableFuture<>();
        AtomicInteger mapped = new AtomicInteger();
        CompletableFuture<Integer> out = Stages.then(engine, s -> mapped.incrementAndGet());
        out.cancel(false);
        assertTrue(engine.isCancelled());
        engine.complete("late"); // the engine finishing anyway changes nothing
        assertEquals(0, mapped.get());
    }

    @Test
    void shouldPassFailuresAndResultsThroughAsThenApplyDoes() {
        CompletableFuture<String> engine = new CompletableFuture<>();
        CompletableFuture<Integer> out = Stages.then(engine, String::length);
        engine.complete("four");
        assertEquals(4, out.join());
        CompletableFuture<Integer> failed =
                Stages.then(CompletableFuture.<String>failedFuture(new IllegalStateException("x")), String::length);
        assertTrue(failed.isCompletedExceptionally(), "failed on return, as the engine's refusals are");
    }

    @Test
    void shouldCancelTheFirstStageOfACascadeBeforeTheEngineCallStarts() {
        CompletableFuture<String> cascade = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();
        CompletableFuture<String> out = Stages.compose(cascade, s -> {
            started.incrementAndGet();
            return new CompletableFuture<>();
        });
        out.cancel(false);
        assertTrue(cascade.isCancelled());
        assertEquals(0, started.get(), "no engine call after a cancel");
    }

    @Test
    void shouldCancelTheEngineCallOfACascadeOnceItHasStarted() {
        CompletableFuture<String> cascade = new CompletableFuture<>();
        CompletableFuture<String> engine = new CompletableFuture<>();
        CompletableFuture<String> out = Stages.compose(cascade, s -> engine);
        cascade.complete("not sure");
        assertFalse(out.isDone());
        out.cancel(false);
        assertTrue(engine.isCancelled(), "the engine's future, not only the cascade's");
    }

    @Test
    void shouldCompleteACascadeWithItsSecondStagesResultOrFailure() {
        CompletableFuture<String> ok =
                Stages.compose(CompletableFuture.completedFuture("a"), s -> CompletableFuture.completedFuture(s + "b"));
        assertEquals("ab", ok.join());
        CompletableFuture<String> failed = Stages.compose(
                CompletableFuture.completedFuture("a"),
                s -> CompletableFuture.failedFuture(new IllegalStateException("engine")));
        assertTrue(failed.isCompletedExceptionally());
    }
}
