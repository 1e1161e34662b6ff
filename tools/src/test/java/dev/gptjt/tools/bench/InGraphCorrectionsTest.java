package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationResult;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class InGraphCorrectionsTest {
    private static GenerationResult result(String text, int[] ids, String backend, int corrections, int runs) {
        return new GenerationResult("r", 10, ids, text, FinishReason.STOP, 0, 0, 1, backend, 0, 0, corrections, runs);
    }

    private static GenerationResult javaLoop(String text, int... ids) {
        return result(text, ids, InGraphCorrections.JAVA_LOOP, 0, 0);
    }

    @Test
    void shouldCountCorrectionsAndRunsOverTheRowsThatEndedInGraphAndTheHandedBackApart() {
        List<GenerationResult> reference =
                List.of(javaLoop(" a", 1), javaLoop(" b", 2), javaLoop(" c", 3), javaLoop(" d", 4));
        List<GenerationResult> inGraph = Arrays.asList(
                result(" a", new int[] {1}, "ort-greedy-search", 0, 1),
                result(" b", new int[] {2}, "ort-greedy-search", 4, 5),
                javaLoop(" c", 3), // handed back: the Java loop's answer, no corrections of its own
                result(" d", new int[] {5}, "ort-greedy-search", 2, 3)); // same text, other tokens
        InGraphCorrections c = InGraphCorrections.of(inGraph, reference);
        assertEquals(new InGraphCorrections(4, 4, 3, 3, 6, 1, 9, 1), c);
        assertEquals(2.0, c.correctionsPerAnswer());
        assertEquals(3.0, c.runsPerAnswer());
        String lines = c.lines("in-graph-spans", "prefix-spans", 8);
        assertTrue(
                lines.startsWith("in-graph-spans vs prefix-spans: 4/4 identical answers (3/4 the same tokens"), lines);
        assertTrue(lines.contains("2.00 corrections per answer, 1 of 3 answers without any"), lines);
        assertTrue(lines.contains("1 of 4 handed back to the Java loop (more than 8 corrections)"), lines);
    }

    @Test
    void shouldLeaveARefusedInputOutOfTheComparison() {
        InGraphCorrections c = InGraphCorrections.of(
                Arrays.asList(null, result(" b", new int[] {2}, "ort-greedy-search", 0, 1)),
                Arrays.asList(javaLoop(" a", 1), javaLoop(" b", 2)));
        assertEquals(new InGraphCorrections(1, 1, 1, 1, 0, 1, 1, 0), c);
    }
}
