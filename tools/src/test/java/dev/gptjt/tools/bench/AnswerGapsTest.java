package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AnswerGapsTest {
    @Test
    void shouldFindTheLongestSilenceBetweenAnswersInTheWindow() {
        // answers at 110, 120, 400 (a rebalance), 410 in the window 100..500; one before it and one after
        long[] received = {50, 410, 110, 400, 120, 900};
        assertEquals(280, AnswerGaps.longestNanos(100, 500, received));
    }

    @Test
    void shouldCountTheSilenceFromTheStartAndToTheEnd() {
        assertEquals(90, AnswerGaps.longestNanos(0, 100, new long[] {90, 95}), "from the start to the first");
        assertEquals(80, AnswerGaps.longestNanos(0, 100, new long[] {10, 20}), "from the last to the end");
        assertEquals(100, AnswerGaps.longestNanos(0, 100, new long[] {}), "none: the whole window");
    }
}
