package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScalePlanTest {
    @Test
    void shouldJoinAndLeaveOneInstanceAtATimeUpAndDown() {
        ScalePlan plan = ScalePlan.of(List.of(1, 2, 3, 2, 1), 6);
        assertEquals(
                List.of("0 → 1 (+1)", "1 → 2 (+1)", "2 → 3 (+1)", "3 → 2 (−1)", "2 → 1 (−1)"),
                plan.steps().stream().map(ScalePlan.Step::label).toList());
        assertEquals(
                List.of(1, 1, 1, 0, 0),
                plan.steps().stream().map(ScalePlan.Step::joining).toList());
        assertEquals(
                List.of(0, 0, 0, 1, 1),
                plan.steps().stream().map(ScalePlan.Step::leaving).toList());
    }

    @Test
    void shouldMoveSeveralAtOnceOrHoldWhenTheCountSaysSo() {
        ScalePlan plan = ScalePlan.of(List.of(3, 3, 1), 6);
        assertEquals(3, plan.steps().get(0).joining());
        assertEquals("3 → 3", plan.steps().get(1).label());
        assertEquals(2, plan.steps().get(2).leaving());
    }

    @Test
    void shouldRefuseCountsOutsideOneToThePartitions() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScalePlan.of(List.of(1, 0), 6))
                .getMessage()
                .contains("from 1 to 6"));
        assertThrows(IllegalArgumentException.class, () -> ScalePlan.of(List.of(7), 6));
        assertThrows(IllegalArgumentException.class, () -> ScalePlan.of(List.of(), 6));
    }
}
