package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatenciesTest {
    @Test
    void shouldTakeTheNearestRankAsBenchPipelineAlwaysHas() {
        List<Double> millis = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            millis.add((double) i);
        }
        Collections.shuffle(millis, new java.util.Random(7));
        Latencies l = Latencies.of(millis);
        assertEquals(200, l.count());
        assertEquals(100, l.p50Ms(), "the 100th of 200");
        assertEquals(198, l.p99Ms(), "⌈0.99 × 200⌉ = the 198th");
    }

    @Test
    void shouldGiveALatencySomePromptHadNotAnInterpolation() {
        Latencies l = Latencies.of(List.of(10.0, 1000.0, 20.0));
        assertEquals(20, l.p50Ms());
        assertEquals(1000, l.p99Ms(), "three values: the p99 is the largest");
        Latencies one = Latencies.of(List.of(42.0));
        assertEquals(42, one.p50Ms());
        assertEquals(42, one.p99Ms());
    }

    @Test
    void shouldReportNothingMeasuredAsNaN() {
        Latencies none = Latencies.of(List.of());
        assertEquals(0, none.count());
        assertTrue(Double.isNaN(none.p50Ms()) && Double.isNaN(none.p99Ms()));
        assertThrows(IllegalArgumentException.class, () -> Latencies.nearestRank(List.of(1.0), 0));
    }
}
