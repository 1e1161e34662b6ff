package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LaneShareTest {
    @Test
    void shouldRunRealtimeAtTheLoadsShareOfTheCapacity() {
        assertEquals(8.0, LaneShare.realtimeRate(16.0, 0.5), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LaneShare.realtimeRate(16.0, 1.0), "nothing left for bulk");
        assertThrows(IllegalArgumentException.class, () -> LaneShare.realtimeRate(16.0, 0));
        assertThrows(IllegalArgumentException.class, () -> LaneShare.realtimeRate(0, 0.5));
    }

    @Test
    void shouldShareBulkAgainstTheCapacityRealtimeLeaves() {
        // capacity 16/s, realtime 8/s: 8/s left; bulk at 6/s has 75% of it
        assertEquals(0.75, LaneShare.bulkShare(6.0, 16.0, 8.0), 1e-12);
        assertTrue(LaneShare.shareMet(0.75));
        assertFalse(LaneShare.shareMet(0.69));
        assertTrue(LaneShare.shareMet(LaneShare.MIN_BULK_SHARE), "70% is enough");
        assertTrue(Double.isNaN(LaneShare.bulkShare(6.0, 8.0, 8.0)), "realtime leaves nothing");
        assertFalse(LaneShare.shareMet(Double.NaN));
    }

    @Test
    void shouldCompareP99WithTheBacklogToP99Alone() {
        assertEquals(1.5, LaneShare.p99Ratio(1500, 1000), 1e-12);
        assertTrue(LaneShare.p99Met(1.5), "1.5× is within");
        assertFalse(LaneShare.p99Met(1.51));
        assertTrue(Double.isNaN(LaneShare.p99Ratio(1500, Double.NaN)));
        assertFalse(LaneShare.p99Met(Double.NaN), "not measured is not met");
    }
}
