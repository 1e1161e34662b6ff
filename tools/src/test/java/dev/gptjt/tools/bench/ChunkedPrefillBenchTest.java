package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ChunkedPrefillBenchTest {

    @Test
    void shouldTakeTheNearestRankPercentile() {
        double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, ChunkedPrefillBench.percentile(sorted, 0.5));
        assertEquals(10, ChunkedPrefillBench.percentile(sorted, 0.99));
        assertEquals(1, ChunkedPrefillBench.percentile(sorted, 0));
        assertEquals(0, ChunkedPrefillBench.percentile(new double[0], 0.99));
    }
}
