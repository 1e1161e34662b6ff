package dev.gptjt.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClosingTest {

    @Test
    void shouldCloseEveryPartAndKeepTheFirstFailureWithTheRestSuppressed() {
        List<String> closed = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("session");
        Error second = new AssertionError("options");
        EngineException thrown = assertThrows(
                EngineException.class,
                () -> Closing.all(
                        () -> {
                            closed.add("tensor");
                            throw new IOException("tensor");
                        },
                        null,
                        () -> {
                            closed.add("session");
                            throw first;
                        },
                        () -> {
                            closed.add("options");
                            throw second;
                        },
                        () -> closed.add("run options")));

        assertEquals(List.of("tensor", "session", "options", "run options"), closed);
        assertEquals(ErrorCode.INFERENCE_FAILED, thrown.code(), "a checked failure, as ORT's close throws");
        assertEquals("tensor", thrown.getCause().getMessage());
        assertEquals(List.of(first, second), List.of(thrown.getCause().getSuppressed()));
    }

    @Test
    void shouldRethrowAnUncheckedFirstFailureAsItWas() {
        IllegalStateException first = new IllegalStateException("already closed");
        assertSame(
                first,
                assertThrows(
                        IllegalStateException.class,
                        () -> Closing.all(() -> {
                            throw first;
                        })));
    }
}
