package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The repeats stream {@code bench cache} sends: its shares, its distinct unique texts, its gaps and its seed. */
class RepeatsWorkloadTest {
    private static final List<String> TWEETS = List.of("one", "two", "three");

    private static RepeatsWorkload of(int count, double repeats, long seed) {
        return RepeatsWorkload.of(
                TWEETS, new RepeatsWorkload.Settings(count, repeats, Duration.ofSeconds(2), 100, seed));
    }

    @Test
    void shouldHoldTheShareOfRepeatsAndMakeEveryUniqueTextDistinct() {
        RepeatsWorkload w = of(100, 0.3, 7);
        assertEquals(100, w.sends().size());
        assertEquals(30, w.repeats());
        assertEquals(70, w.unique());
        Set<String> uniques = new HashSet<>();
        int repeats = 0;
        for (RepeatsWorkload.Send s : w.sends()) {
            if (s.repeat()) {
                repeats++;
                RepeatsWorkload.Send original = w.sends().get(s.original());
                assertEquals(original.text(), s.text(), s.id());
                assertTrue(!original.repeat(), "a repeat names the unique record it repeats: " + s);
            } else {
                assertTrue(uniques.add(s.text()), "unique texts are distinct: " + s.text());
            }
        }
        assertEquals(30, repeats);
        assertEquals(70, uniques.size(), "3 tweets made 70 distinct texts with variant suffixes");
        assertTrue(uniques.contains("two #2"), uniques.toString());
    }

    @Test
    void shouldSendEachRepeatWholeGapsAfterItsOriginalAndEveryRecordInTimeOrder() {
        RepeatsWorkload w = of(200, 0.5, 11);
        long previous = 0;
        for (int i = 0; i < w.sends().size(); i++) {
            RepeatsWorkload.Send s = w.sends().get(i);
            assertEquals(String.format("r-%05d", i), s.id());
            assertTrue(s.atMs() >= previous, "in time order at " + s);
            previous = s.atMs();
            if (s.repeat()) {
                long after = s.atMs() - w.sends().get(s.original()).atMs();
                assertTrue(after > 0 && after % 2000 == 0, s + " " + after + " ms after its original");
                assertTrue(s.original() < i, "its original is sent before it: " + s);
            }
        }
    }

    @Test
    void shouldKeepRepeatsWithinTheUniqueTextsSpanWhenItIsLongerThanTheGap() {
        // 700 unique texts at 100/s: a 7 s span, against a 2 s gap
        RepeatsWorkload w = of(1000, 0.3, 3);
        long uniqueSpan = w.sends().stream()
                .filter(s -> !s.repeat())
                .mapToLong(RepeatsWorkload.Send::atMs)
                .max()
                .orElseThrow();
        assertEquals(uniqueSpan, w.spanMs(), "no repeat trails after the last unique text");
    }

    @Test
    void shouldMakeTheSameStreamFromTheSameSeedAndAnotherFromAnother() {
        assertEquals(of(120, 0.3, 5), of(120, 0.3, 5));
        assertTrue(!of(120, 0.3, 5).equals(of(120, 0.3, 6)));
    }

    @Test
    void shouldRefuseAShareOfRepeatsOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> of(10, 1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> of(10, -0.1, 1));
    }
}
