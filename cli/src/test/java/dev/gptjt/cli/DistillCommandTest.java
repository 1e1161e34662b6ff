package dev.gptjt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    private record Outcome(int code, String out, String err) {}

    private static Outcome gptjt(String input, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                argv,
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDistillTheTasksOwnLabelsAndEvaluateTheCascadeOnUnseenTexts(@TempDir Path dir) throws Exception {
        Path texts = dir.resolve("texts.jsonl");
        Files.write(texts, Files.readAllLines(TRAIN).subList(0, 600));
        Path cascade = dir.resolve("cascade");
        Outcome distill = gptjt(
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
        Outcome eval = gptjt(unseen, "eval", "--task", "sentiment", "--model", DEMO, "--cascade", cascade.toString());
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
        Outcome generate = gptjt(
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

        Outcome missing = gptjt(
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
