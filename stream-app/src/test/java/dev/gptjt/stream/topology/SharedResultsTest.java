package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Lane;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Identical requests in flight share one call; each one's cancellation is its own. */
class SharedResultsTest {
    private final SharedResults shared = new SharedResults();
    private final SharedCall.Key key = new SharedCall.Key(new ResultKey("k"), Lane.REALTIME);
    private final List<CompletableFuture<String>> started = new ArrayList<>();
    private final Object owner = new Object();

    private CompletableFuture<String> join(List<Boolean> joined) {
        SharedResults.Share<String> share = shared.join(
                key,
                owner,
                () -> {
                    CompletableFuture<String> call = new CompletableFuture<>();
                    started.add(call);
                    return call;
                },
                answer -> answer + " (shared)");
        joined.add(share.joined());
        return share.future();
    }

    @Test
    void shouldStartOneCallForIdenticalRequestsAndAnswerEach() throws Exception {
        List<Boolean> joined = new ArrayList<>();
        CompletableFuture<String> first = join(joined);
        CompletableFuture<String> second = join(joined);
        assertEquals(1, started.size());
        assertEquals(List.of(false, true), joined);
        started.get(0).complete("answer");
        assertEquals("answer", first.get());
        assertEquals("answer (shared)", second.get());
    }

    @Test
    void shouldKeepTheCallRunningWhileOneSharerIsLeftAndCancelItWithTheLast() {
        List<Boolean> joined = new ArrayList<>();
        CompletableFuture<String> first = join(joined);
        CompletableFuture<String> second = join(joined);
        first.cancel(false);
        assertFalse(started.get(0).isCancelled(), "the second still waits for it");
        second.cancel(false);
        assertTrue(started.get(0).isCancelled(), "nobody waits: the engine's work is cancelled");
        join(joined);
        assertEquals(2, started.size(), "a cancelled call is not joined: a new request starts its own");
    }

    @Test
    void shouldHandAJoinerBackUnansweredWhenTheCallFailsAndStartAfresh() {
        List<Boolean> joined = new ArrayList<>();
        CompletableFuture<String> first = join(joined);
        CompletableFuture<String> second = join(joined);
        started.get(0).completeExceptionally(new EngineException(ErrorCode.DEADLINE_EXCEEDED, "the first's deadline"));
        assertEquals(ErrorCode.DEADLINE_EXCEEDED, code(first));
        assertEquals(ErrorCode.OVERLOADED, code(second), "not the joiner's failure: it runs again on its own");
        join(joined);
        assertEquals(2, started.size());
    }

    @Test
    void shouldLetLaterRequestsJoinADoneCallUntilItsAnswerIsSettledInTheCache() {
        List<Boolean> joined = new ArrayList<>();
        join(joined);
        started.get(0).complete("answer");
        assertTrue(join(joined).isDone(), "done but not yet in the owner's cache: joined, answered at once");
        shared.settled(key, owner);
        join(joined);
        assertEquals(2, started.size(), "settled: the next one looks in the cache, and here runs again");
    }

    @Test
    void shouldForgetAReleasedOwnersCallsOnceTheyEnd() {
        List<Boolean> joined = new ArrayList<>();
        join(joined);
        shared.release(owner);
        join(joined);
        assertEquals(1, started.size(), "still running: joined");
        started.get(0).complete("answer");
        join(joined);
        assertEquals(2, started.size(), "ended with its owner gone: forgotten");
    }

    private static ErrorCode code(CompletableFuture<?> future) {
        try {
            future.get();
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return EngineException.from(e.getCause()).code();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
