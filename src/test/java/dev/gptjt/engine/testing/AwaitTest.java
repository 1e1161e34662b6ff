package dev.gptjt.engine.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void shouldFailAtTheDeadlineNamingWhatDidNotHappenAndWhatWasSeen() {
        AtomicInteger steps = new AtomicInteger();
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> Await.stepping(
                        "3 results out", Duration.ofMillis(50), steps::incrementAndGet, () -> false, () -> "0 out"));
        assertTrue(e.getMessage().contains("3 results out") && e.getMessage().contains("0 out"), e.getMessage());
        assertTrue(steps.get() > 0, "stepped while it waited");
    }

    @Test
    void shouldReturnAsSoonAsTheConditionHolds() {
        AtomicInteger steps = new AtomicInteger();
        Await.stepping("two steps", Duration.ofSeconds(30), steps::incrementAndGet, () -> steps.get() >= 2, () -> "");
        assertTrue(steps.get() == 2);
    }
}
