package dev.gptjt.cli.task;

import static dev.gptjt.cli.CliRun.gptjt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gptjt.cli.CliRun;
import dev.gptjt.tools.task.TaskRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gptjt distill} and {@code gptjt eval --cascade} on the demo model's sentiment task. */
class DistillCommandTest {
    private static final String DEMO =
            Path.of(System.getProperty("gptjt.models"), "demo-gptj").toString();
    private static final Path TRAIN = Path.of("..", "docs", "bench", "emotion-train.jsonl");
    private static final Path TEST = Path.of("..", "docs", "bench", "emotion-test.jsonl");

    @Test
    void shouldDistillTheTasksOwnLabelsAndEvaluateTheCascadeOnUnseenTexts(@TempDir Path dir) throws Exception {
        Path texts = dir.resolve("texts.jsonl");
        Files.write(texts, Files.readAllLines(TRAIN).subList(0, 600));
        Path cascade = dir.resolve("cascade");
        CliRun distill = gptjt(
                "",
                "distill",
                "--task",
                "sentiment",
                "--model",
                DEMO,
                "--texts",
                texts.toString(),
                "--out",
                cascade.toString());
        assertEquals(0, distill.code(), distill.err());
        assertTrue(distill.out().contains("480 trained on, 120 held out"), distill.out());
        JsonNode card = TaskRunner.JSON.readTree(cascade.resolve("card.json").toFile());
        assertEquals("sentiment", card.get("task").asText());
        assertTrue(card.get("onnxMaxDifference").asDouble() <= 1e-5, card.toString());

        String unseen = String.join("\n", Files.readAllLines(TEST).subList(0, 100));
        CliRun eval = gptjt(unseen, "eval", "--task", "sentiment", "--model", DEMO, "--cascade", cascade.toString());
        assertEquals(0, eval.code(), eval.err());
        List<String> rows = eval.out()
                .lines()
                .filter(l -> l.strip().matches("0\\.9[0-9] .*"))
                .toList();
        assertEquals(4, rows.size(), eval.out());
    }

    @Test
    void shouldRefuseATaskThatIsNotClassifyOrACascadeOfOtherLabels(@TempDir Path dir) throws Exception {
        Path texts = Files.writeString(dir.resolve("t.jsonl"), "{\"text\": \"x\"}\n");
        CliRun generate = gptjt(
                "",
                "distill",
                "--task",
                "entities",
                "--model",
                DEMO,
                "--texts",
                texts.toString(),
                "--out",
                dir.toString());
        assertEquals(2, generate.code());
        assertTrue(generate.err().contains("classify task"), generate.err());

        CliRun missing = gptjt(
                "{\"text\": \"i feel happy\", \"label\": \"joy\"}\n",
                "eval",
                "--task",
                "sentiment",
                "--model",
                DEMO,
                "--cascade",
                dir.resolve("none").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--cascade") && missing.err().contains("card.json"), missing.err());
    }
}
