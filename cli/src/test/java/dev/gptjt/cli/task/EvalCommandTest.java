package dev.gptjt.cli.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cli.CliRun;
import dev.gptjt.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;

class EvalCommandTest {

    @Test
    void shouldComputeTribuoMetricsFromPredictions() {
        // truth:     a a b b c     predicted: a b b b (other)
        List<String[]> examples = List.of(
                new String[] {"1", "a"},
                new String[] {"2", "a"},
                new String[] {"3", "b"},
                new String[] {"4", "b"},
                new String[] {"5", "c"});
        LabelEvaluation e =
                EvalCommand.evaluate(List.of("a", "b", "c"), examples, List.of("a", "b", "b", "b", "something else"));
        assertEquals(0.6, e.accuracy(), 1e-9);
        // F1: a = 2/3 (p 1, r 1/2), b = 0.8 (p 2/3, r 1), c = 0, (other) = 0
        assertEquals(1.0, e.getConfusionMatrix().confusion(new Label(EvalCommand.OTHER), new Label("c")), 1e-9);
        assertEquals(2.0 / 3.0, e.f1(new Label("a")), 1e-9);
        assertEquals(0.8, e.f1(new Label("b")), 1e-9);
        // confusion(predicted, truth): one a right, one a called b, both b right
        assertEquals(1.0, e.getConfusionMatrix().confusion(new Label("a"), new Label("a")), 1e-9);
        assertEquals(1.0, e.getConfusionMatrix().confusion(new Label("b"), new Label("a")), 1e-9);
        assertEquals(2.0, e.getConfusionMatrix().confusion(new Label("b"), new Label("b")), 1e-9);
        assertEquals(0.0, e.getConfusionMatrix().confusion(new Label("c"), new Label("c")), 1e-9);
        // macro-F1 over the four labels of the domain, (other) included: (2/3 + 0.8 + 0 + 0) / 4
        assertEquals((2.0 / 3.0 + 0.8) / 4, e.macroAveragedF1(), 1e-9);
    }

    @Test
    void shouldEvaluateATaskOnLabeledLines() throws Exception {
        String labeled = Files.readString(Path.of(
                EvalCommandTest.class.getResource("/emotion-sample.jsonl").toURI()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "eval",
                    "--task",
                    "sentiment",
                    "--model",
                    Path.of(System.getProperty("gptjt.models"), "tiny-gptj").toString()
                },
                new ByteArrayInputStream(labeled.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String report = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(report.contains("task sentiment, mode classify, 40 examples"), report);
        assertTrue(
                report.contains("accuracy") && report.contains("macro-F1") && report.contains("confusion matrix"),
                report);
        for (String label : List.of("sadness", "joy", "love", "anger", "fear", "surprise")) {
            assertTrue(report.contains(label), label);
        }
    }

    @Test
    void shouldReportTheDemoModelsEmotionAccuracyInBothModes() throws Exception {
        Path models = Path.of(System.getProperty("gptjt.models"));
        String labeled = Files.readString(models.resolve("demo-gptj/emotion-eval.jsonl"));
        for (String mode : List.of("classify", "generate")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = Main.run(
                    new String[] {
                        "eval",
                        "--task",
                        "sentiment",
                        "--mode",
                        mode,
                        "--model",
                        models.resolve("demo-gptj").toString()
                    },
                    new ByteArrayInputStream(labeled.getBytes(StandardCharsets.UTF_8)),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    System.err);
            String report = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, report);
            double accuracy = Double.parseDouble(report.lines()
                    .filter(l -> l.startsWith("accuracy"))
                    .findFirst()
                    .orElseThrow()
                    .split("\\s+")[1]);
            assertTrue(accuracy >= 0.9, mode + ": " + report);
        }
    }

    @Test
    void shouldCompareTwoModelDirectoriesRecordByRecord() throws Exception {
        String demo = Path.of(System.getProperty("gptjt.models"), "demo-gptj").toString();
        CliRun same = CliRun.gptjt(
                "{\"text\": \"i feel so happy\"}\n{\"text\": \"i am furious\"}\n",
                "eval",
                "--task",
                "sentiment",
                "--model",
                demo,
                "--compare",
                demo);
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().contains("same label: 2/2 (100.0%)"), same.out());
        CliRun generate = CliRun.gptjt(
                "{\"text\": \"India\"}\n", "eval", "--task", "currency", "--model", demo, "--compare", demo);
        assertEquals(0, generate.code(), generate.err());
        assertTrue(generate.out().contains("exact match: 1/1"), generate.out());
    }

    @Test
    void shouldRefuseAnUnknownTask() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {"eval", "--task", "nope", "--model", "x"},
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown task 'nope'"));
    }
}
