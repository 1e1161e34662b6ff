package dev.gptjt.tasks;

import dev.gptjt.testing.Draw;
import java.util.List;
import java.util.Random;

/**
 * Inputs for the {@code spans} shape's property tests: up to 14 words, half of them from a list of hard cases
 * (punctuation inside words, multi-byte and combining characters, emoji sequences, GPT-2's special token, the list's
 * own "none" and separators), half random strings of ASCII, Latin-1 letters and CJK; joined by spaces, commas,
 * newlines and other separators. The empty input is among them.
 */
public final class SpanListInputs {
    private static final List<String> WORDS = List.of(
            "Seattle",
            "Portland",
            "Vikash",
            "Berg",
            "Microsoft,",
            "Satya",
            "Nadella,",
            "the",
            "CEO",
            "São",
            "Paulo",
            "Zürich",
            "東京",
            "🚀",
            "👩‍💻",
            "<|endoftext|>",
            "none",
            "None",
            "and",
            "(Acme)",
            "a;b",
            "x|y",
            "\"quoted\"",
            "St.",
            "Louis",
            "@cityhall",
            "#tag",
            "N/A",
            "-",
            "U.S.",
            "O'Brien",
            "—",
            "…",
            "ß",
            "İstanbul",
            "naïve",
            "\t",
            "Entities:",
            "x,y",
            "e\u0301");
    private static final List<Draw.CharRange> RANDOM_WORD_CHARS =
            List.of(new Draw.CharRange('!', '~'), new Draw.CharRange('À', 'ÿ'), new Draw.CharRange('一', '丁'));
    /** A single space three times in eight: the common separator. */
    private static final List<String> SEPARATORS = List.of(" ", " ", " ", ", ", "\n", "  ", " - ", "; ");

    private SpanListInputs() {}

    public static String draw(Random random) {
        int words = Draw.betweenWithEnds(random, 0, 14);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < words; i++) {
            s.append(i == 0 ? "" : Draw.oneOf(random, SEPARATORS));
            s.append(random.nextBoolean() ? Draw.oneOf(random, WORDS) : Draw.string(random, 1, 8, RANDOM_WORD_CHARS));
        }
        return s.toString();
    }
}
