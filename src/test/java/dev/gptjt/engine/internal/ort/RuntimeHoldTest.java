package dev.gptjt.engine.internal.ort;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RuntimeHoldTest {

    @Test
    void shouldHoldAReferenceOnThisBindingsEnvironmentUntilClosedOnce() throws Exception {
        RuntimeHold first = RuntimeHold.take();
        RuntimeHold second = RuntimeHold.take();
        assertTrue(first.held(), "ORT 1.29's binding lets the engine take a counted reference");
        assertTrue(second.held());
        second.close();
        second.close(); // a second close drops nothing more: the environment's own reference stays
        assertFalse(second.held());
        assertTrue(first.held());
        first.close();
        assertFalse(first.held());
    }
}
