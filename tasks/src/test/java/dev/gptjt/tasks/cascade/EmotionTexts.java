package dev.gptjt.tasks.cascade;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates short first-person posts for the {@code sentiment} task (the model card's emotion labels),
 * each with the emotion it was written for: an emotion word from its list in one of several sentence
 * frames, with fillers and causes drawn at random. Seeded, so the committed files are reproducible
 * ({@code EmotionTextsTest}); the test set is drawn from another seed and never repeats a training text.
 */
final class EmotionTexts {
    /** A post and the emotion it was written for. */
    record Text(String text, String emotion) {}

    static final Map<String, List<String>> WORDS = Map.of(
            "sadness",
            List.of(
                    "sad",
                    "miserable",
                    "gloomy",
                    "lonely",
                    "heartbroken",
                    "depressed",
                    "unhappy",
                    "hopeless",
                    "devastated",
                    "melancholy",
                    "low",
                    "blue",
                    "sorry for myself",
                    "empty",
                    "crushed"),
            "joy",
            List.of(
                    "happy",
                    "pleased",
                    "festive",
                    "cheerful",
                    "delighted",
                    "glad",
                    "joyful",
                    "content",
                    "thrilled",
                    "excited",
                    "proud",
                    "relieved",
                    "satisfied",
                    "ecstatic",
                    "elated"),
            "love",
            List.of(
                    "loving",
                    "affectionate",
                    "romantic",
                    "passionate",
                    "tender",
                    "caring",
                    "fond",
                    "devoted",
                    "sweet",
                    "adoring",
                    "sentimental",
                    "longing",
                    "warmhearted",
                    "nostalgic",
                    "supportive"),
            "anger",
            List.of(
                    "angry",
                    "hostile",
                    "furious",
                    "irritated",
                    "annoyed",
                    "cranky",
                    "mad",
                    "bitter",
                    "resentful",
                    "outraged",
                    "frustrated",
                    "grumpy",
                    "enraged",
                    "agitated",
                    "offended"),
            "fear",
            List.of(
                    "afraid",
                    "scared",
                    "nervous",
                    "anxious",
                    "terrified",
                    "frightened",
                    "worried",
                    "uneasy",
                    "panicked",
                    "shaky",
                    "fearful",
                    "insecure",
                    "tense",
                    "alarmed",
                    "paranoid"),
            "surprise",
            List.of(
                    "surprised",
                    "amazed",
                    "shocked",
                    "astonished",
                    "stunned",
                    "startled",
                    "curious",
                    "speechless",
                    "impressed",
                    "dazed",
                    "overwhelmed",
                    "amused",
                    "bewildered",
                    "awestruck",
                    "taken aback"));

    static final List<String> EMOTIONS = List.of("sadness", "joy", "love", "anger", "fear", "surprise");

    private static final List<String> FRAMES = List.of(
            "i feel %s",
            "i feel %s %s",
            "honestly i am %s after the %s",
            "i can not believe how %s i am",
            "i have been so %s since the %s",
            "i am feeling %s about the %s",
            "i was %s when i heard about the %s",
            "the %s left me %s",
            "i still feel a bit %s",
            "why do i always feel %s after the %s");

    private static final List<String> CAUSES = List.of(
            "weather",
            "move",
            "meeting",
            "trip",
            "exam",
            "holidays",
            "news",
            "call",
            "weekend",
            "party",
            "game",
            "dinner",
            "interview",
            "concert",
            "wedding",
            "storm",
            "results",
            "visit",
            "letter",
            "week");

    private EmotionTexts() {}

    /** {@code count} distinct texts from {@code seed}, none of them in {@code exclude}. */
    static List<Text> generate(long seed, int count, Set<String> exclude) {
        Random random = new Random(seed);
        Set<String> seen = new LinkedHashSet<>(exclude);
        List<Text> out = new ArrayList<>(count);
        while (out.size() < count) {
            String emotion = EMOTIONS.get(random.nextInt(EMOTIONS.size()));
            List<String> words = WORDS.get(emotion);
            String word = words.get(random.nextInt(words.size()));
            String cause = CAUSES.get(random.nextInt(CAUSES.size()));
            String frame = FRAMES.get(random.nextInt(FRAMES.size()));
            String text = frame.startsWith("the %s")
                    ? String.format(frame, cause, word)
                    : frame.equals("i feel %s %s")
                            ? String.format(frame, random.nextBoolean() ? "so" : "really", word)
                            : String.format(frame, word, cause);
            if (seen.add(text)) {
                out.add(new Text(text, emotion));
            }
        }
        return out;
    }

    /** The training texts of {@code docs/bench/emotion-train.jsonl}. */
    static List<Text> training() {
        return generate(1, 1200, Set.of());
    }

    /** The test texts of {@code docs/bench/emotion-test.jsonl}: none of them a training text. */
    static List<Text> test() {
        Set<String> train = new LinkedHashSet<>();
        training().forEach(t -> train.add(t.text()));
        return generate(2, 400, train);
    }
}
