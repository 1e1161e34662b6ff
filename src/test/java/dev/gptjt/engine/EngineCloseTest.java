package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.testing.StepGate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class EngineCloseTest {

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
