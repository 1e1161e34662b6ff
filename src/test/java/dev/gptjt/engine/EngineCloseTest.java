package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.testing.StepGate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class EngineCloseTest {

    /** A backend whose close, and whose cached prefixes' close, throw after noting that they ran. */
    private static final class ThrowingOnClose implements GenerationBackend {
        final List<String> closed = new CopyOnWriteArrayList<>();
        final IllegalStateException failure = new IllegalStateException("backend's session failed to close");

        @Override
        public String name() {
            return "throwing-on-close";
        }

        @Override
        public List<EngineResult> run(List<PreparedRequest> batch) {
            throw new UnsupportedOperationException("runs nothing");
        }

        @Override
        public PromptPrefix.CacheState cachePrefix(int[] tokens) {
            return new ThrowingState(closed, "prefix " + tokens.length);
        }

        @Override
        public void terminate() {}

        @Override
        public void close() {
            closed.add("backend");
            throw failure;
        }
    }

    private record ThrowingState(List<String> closed, String name) implements PromptPrefix.CacheState {
        @Override
        public long bytes() {
            return 0;
        }

        @Override
        public void close() {
            closed.add(name);
            throw new IllegalStateException(name + "'s tensors failed to close");
        }
    }

    @Test
    void shouldCloseEveryPartWhenTheBackendsCloseThrowsAndSurfaceTheFirstFailure() {
        ThrowingOnClose backend = new ThrowingOnClose();
        InferenceEngine engine = InferenceEngine.over(EngineConfig.defaults(Fixtures.tinyGptj()), backend);
        engine.cachePrefix("one two three", new int[] {1, 2}).orElseThrow();
        engine.cachePrefix("four five six", new int[] {3, 4, 5}).orElseThrow();

        RuntimeException thrown = assertThrows(RuntimeException.class, engine::close);

        assertSame(backend.failure, thrown, "the first failure surfaces as it was thrown");
        assertEquals(List.of("backend", "prefix 2", "prefix 3"), backend.closed, "every part closed");
        assertEquals(
                List.of("prefix 2's tensors failed to close", "prefix 3's tensors failed to close"),
                java.util.Arrays.stream(thrown.getSuppressed())
                        .map(Throwable::getMessage)
                        .toList());
        assertTrue(engine.isClosed());
        engine.close(); // and a second close frees nothing twice
        assertEquals(3, backend.closed.size());
    }

    @Test
    void shouldCloseOnceWhateverHowOftenAndFromWhereItIsClosed() throws Exception {
        StepGate gate = StepGate.shut();
        InferenceEngine engine = gate.open(EngineConfig.defaults(Fixtures.tinyGptj())
                .withBatching(1, Duration.ZERO, 8)
                .withMaxNewTokensCap(1800));
        engine.cachePrefix("Label whether the following tweet is about the weather.\n\nTweet: ")
                .orElseThrow();
        CompletableFuture<GenerationResult> running = engine.submit(new GenerationRequest(
                "long",
                "Hello",
                GenerationParams.DEFAULTS.withMaxNewTokens(1800).withIgnoreEos(true)));
        gate.awaitHeld(); // mid-batch, however fast the model: closing must end a running batch
        assertFalse(running.isDone(), "still generating when the engine closes");
        Thread other = new Thread(engine::close);
        other.start();
        engine.close(); // beside another thread's close, while a batch runs
        other.join();
        engine.close(); // and once more
        assertTrue(engine.isClosed());
        CompletionException e = assertThrows(CompletionException.class, running::join);
        assertEquals(ErrorCode.CLOSED, EngineException.from(e.getCause()).code());
        CompletionException later = assertThrows(
                CompletionException.class,
                () -> engine.submit(GenerationRequest.of("after", "Hello")).join());
        assertEquals(ErrorCode.CLOSED, EngineException.from(later.getCause()).code());
    }
}
