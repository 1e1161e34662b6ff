package dev.gptjt.testing;

import dev.gptjt.schema.PromptRequest;
import dev.gptjt.tasks.cascade.CascadeFeatures;
import dev.gptjt.tasks.cascade.Distiller;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A cascade for the tweet-hate task distilled from made-up texts (no GPT-JT needed): sure of texts built
 * from its words, and of nothing else.
 */
public final class TweetCascade {
    /** A text it answers "hate speech" to with probability over 0.9. */
    public static final String SURE = "i hate those migrants they are vermin";
    /** A text with no feature it has seen: never confident. */
    public static final String UNSEEN = "\u0416\u0416\u0416 \u0436\u0436";

    private TweetCascade() {}

    /** A tweet-hate request for {@code text}. */
    public static PromptRequest tweet(String id, String text) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setPrompt(text)
                .setTask("tweet-hate")
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

    /** Distils it into {@code dir} for the task's {@code labels} ("hate speech", "not hate speech"). */
    public static Path distill(Path dir, List<String> labels) {
        List<Distiller.Labeled> examples = new ArrayList<>();
        for (String group : List.of("migrants", "women", "refugees", "foreigners")) {
            for (String insult : List.of("vermin", "scum", "animals", "trash", "parasites")) {
                examples.add(new Distiller.Labeled("i hate those " + group + " they are " + insult, "hate speech"));
            }
        }
        for (String thing : List.of("coffee", "sunset", "game", "garden", "concert")) {
            for (String mood : List.of("lovely", "great", "nice", "calm", "sunny")) {
                examples.add(new Distiller.Labeled(
                        "what a " + mood + " " + thing + " with friends today", "not hate speech"));
            }
        }
        Distiller.distill(
                "tweet-hate", labels, examples, new Distiller.Options(CascadeFeatures.DEFAULTS, 0.2, 20, 0.5, 1), dir);
        return dir;
    }
}
