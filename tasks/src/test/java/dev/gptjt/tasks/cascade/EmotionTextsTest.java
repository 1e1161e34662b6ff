package dev.gptjt.tasks.cascade;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed emotion texts are what {@link EmotionTexts} generates. After changing the generator:
 * {@code mvn test -pl src -Dtest=EmotionTextsTest -Dgptjt.texts.update=true} rewrites them.
 */
class EmotionTextsTest {
    static final Path TRAIN = Path.of("..", "docs", "bench", "emotion-train.jsonl");
    static final Path TEST = Path.of("..", "docs", "bench", "emotion-test.jsonl");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldMatchTheCommittedFiles() throws IOException {
        check(TRAIN, "train", EmotionTexts.training());
        check(TEST, "test", EmotionTexts.test());
    }

    private static void check(Path file, String prefix, List<EmotionTexts.Text> texts) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            lines.append(JSON.createObjectNode()
                            .put("id", prefix + "-" + i)
                            .put("text", texts.get(i).text())
                            .put("label", texts.get(i).emotion())
                            .toString())
                    .append('\n');
        }
        if (Boolean.getBoolean("gptjt.texts.update")) {
            Files.writeString(file, lines, StandardCharsets.UTF_8);
        }
        assertEquals(
                lines.toString(), Files.readString(file, StandardCharsets.UTF_8), file + " (see this test's javadoc)");
    }
}
