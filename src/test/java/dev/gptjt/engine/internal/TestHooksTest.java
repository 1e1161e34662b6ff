package dev.gptjt.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class TestHooksTest {

    @Test
    void shouldInstallNothingWhenNoTestAskedForAHook() {
        assumeTrue(System.getProperty(TestHooks.STEP_SCALE_PROPERTY) == null, "the suite runs slowed down");
        assertSame(TestHooks.NONE, TestHooks.take());
    }

    @Test
    void shouldHandAHookToOneEngineOnly() {
        StepHook hook = new StepHook() {};
        StepHook.forNextEngine(hook);
        TestHooks first = TestHooks.take();
        assertSame(hook, first.hook());
        TestHooks next = TestHooks.take();
        assertNotSame(hook, next.hook(), "a hook is handed to one engine only");
    }

    @Test
    void shouldReadTheStepScaleAsAFactorOfAtLeastOne() {
        assertEquals(1, TestHooks.stepScale(null));
        assertEquals(1, TestHooks.stepScale(" "));
        assertEquals(10, TestHooks.stepScale("10"));
        assertThrows(IllegalArgumentException.class, () -> TestHooks.stepScale("0.1"));
        assertThrows(IllegalArgumentException.class, () -> TestHooks.stepScale("fast"));
    }
}
