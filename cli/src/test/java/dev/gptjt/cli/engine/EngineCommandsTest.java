package dev.gptjt.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.engine.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exitCode, String out, String err) {
        List<JsonNode> lines() {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    try {
                        lines.add(JSON.readTree(line));
                    } catch (IOException e) {
                        throw new AssertionError("not JSON: " + line, e);
                    }
                }
            }
            return lines;
        }
    }

    private static Run run(String stdin, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                argv,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldGenerateEveryLineInInputOrderAndReportBadLines() throws Exception {
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            in.append(JSON.writeValueAsString(
                            Map.of("id", "g" + i, "prompt", cases.get(i).prompt(), "max_new_tokens", 8)))
                    .append('\n');
            if (i == 3) {
                in.append("{broken\n").append("{\"id\": \"bad\", \"prompt\": \"Hi\", \"top_k\": -1}\n");
            }
        }
        Run r = run(
                in.toString(),
                "generate",
                "--model",
                Fixtures.tinyGptj().toString(),
                "--max-batch-size",
                "8",
                "--ignore-eos");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(cases.size() + 2, r.lines().size());
        List<JsonNode> results = new ArrayList<>(r.lines());
        JsonNode broken = results.remove(4);
        JsonNode bad = results.remove(4);
        assertEquals("BAD_JSON", broken.get("error").get("code").asText());
        assertEquals("bad", bad.get("id").asText());
        assertEquals("INVALID_PARAMETER", bad.get("error").get("code").asText());
        for (int i = 0; i < cases.size(); i++) {
            JsonNode line = results.get(i);
            assertEquals("g" + i, line.get("id").asText());
            assertEquals(
                    cases.get(i).inputIds().length, line.get("prompt_tokens").asInt());
            assertEquals("length", line.get("finish_reason").asText());
            int[] ids = Fixtures.ints(line.get("output_ids"));
            Assertions.assertArrayEquals(cases.get(i).hfOutputIds(), ids);
        }
    }

    @Test
    void shouldTokenizeLines() throws Exception {
        Run r = run(
                "{\"text\": \"<|endoftext|> is special\"}\n{\"text\": \"Hi\"}\n",
                "tokenize",
                "--model",
                Fixtures.tinyGptj().toString());
        assertEquals(0, r.exitCode());
        assertEquals(
                "[27,91,437,1659,5239,91,29,318,2041]",
                r.lines().get(0).get("ids").toString());
        assertEquals("[17250]", r.lines().get(1).get("ids").toString());
    }

    @Test
    void shouldExplainSetupMistakesInOneLine() throws Exception {
        Run missing = run("", "generate", "--model", "/no/such/model");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().startsWith("gptjt: model directory /no/such/model does not exist"), missing.err());
        Run typo = run("", "generate", "--model", "m", "--modle", "x");
        assertEquals(2, typo.exitCode());
        assertEquals(
                "gptjt: Unknown options: '--modle', 'x' (see 'gptjt generate --help')",
                typo.err().strip());
    }

    @Test
    void shouldAnswerHelpForEveryCommandAndNameTheBadArgumentInOneLine() {
        for (String command : List.of("generate", "tokenize", "convert")) {
            for (String help : List.of("--help", "-h")) {
                Run r = run("", command, help);
                assertEquals(0, r.exitCode(), command + " " + help + ": " + r.err());
                assertTrue(
                        r.out().startsWith("Usage: gptjt " + command) && r.out().contains("--model=DIR"), r.out());
            }
        }
        String[][] bad = {
            {"generate", "--model", "m", "--max-new-tokens", "x", "'x' is not an int"},
            {"generate", "--model", "m", "--max-wait", "soon", "'soon' is not a duration"},
            {"generate", "--model", "m", "--backend", "gpu", "'gpu' is none of auto, java-loop, in-graph"},
            {"generate", "--model", "m", "--provider", "tpu", "--provider"},
            {"generate", "--model", "m", "--max-batch-size", "0", "--max-batch-size must be >= 1"},
            {"generate", "--model", "--max-new-tokens", "Expected parameter for option '--model'"},
            {"tokenize", "Missing required option: '--model=DIR'"},
            {"nosuch", "Unmatched argument at index 0: 'nosuch'"}
        };
        for (String[] c : bad) {
            Run r = run("", Arrays.copyOf(c, c.length - 1));
            assertEquals(2, r.exitCode(), String.join(" ", c));
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().contains(c[c.length - 1]), String.join(" ", c) + " → " + r.err());
        }
    }

    @Test
    void shouldQuantizeAModelToFourBitsAndRefuseToDoItTwice(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("tiny-int4");
        Run q = run(
                "",
                "convert",
                "--model",
                Fixtures.tinyGptj().toString(),
                "--out",
                out.toString(),
                "--quantize",
                "int4",
                "--block-size",
                "16",
                "--greedy-in-graph");
        assertEquals(0, q.exitCode(), q.err());
        assertTrue(q.err().contains("MatMuls 4-bit") && q.err().contains("greedy_search.onnx"), q.err());
        Run g = run("{\"id\": \"a\", \"prompt\": \"Hello\"}\n", "generate", "--model", out.toString());
        assertEquals(0, g.exitCode(), g.err());
        assertEquals(1, g.lines().size());

        Run again = run(
                "",
                "convert",
                "--model",
                out.toString(),
                "--out",
                tmp.resolve("x").toString(),
                "--quantize",
                "int4");
        assertEquals(2, again.exitCode());
        assertTrue(
                again.err().contains("already quantized") && again.err().lines().count() == 1, again.err());
        Run block = run(
                "",
                "convert",
                "--model",
                Fixtures.tinyGptj().toString(),
                "--out",
                tmp.resolve("y").toString(),
                "--quantize",
                "int4",
                "--block-size",
                "24");
        assertEquals(2, block.exitCode());
        assertTrue(block.err().contains("--block-size"), block.err());
    }

    @Test
    void shouldConvertAModelAndGenerateWithItInGraph(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("tiny-greedy");
        Run refused = run("", "convert", "--model", Fixtures.tinyGptj().toString(), "--out", out.toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("--greedy-in-graph"), refused.err());

        Run converted = run(
                "", "convert", "--model", Fixtures.tinyGptj().toString(), "--out", out.toString(), "--greedy-in-graph");
        assertEquals(0, converted.exitCode(), converted.err());
        assertTrue(converted.err().contains("greedy_search.onnx"), converted.err());

        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            in.append(JSON.writeValueAsString(
                            Map.of("id", "g" + i, "prompt", cases.get(i).prompt())))
                    .append('\n');
        }
        Run r = run(
                in.toString(),
                "generate",
                "--model",
                out.toString(),
                "--max-batch-size",
                "8",
                "--max-new-tokens",
                "8",
                "--backend",
                "in-graph");
        assertEquals(0, r.exitCode(), r.err());
        for (int i = 0; i < cases.size(); i++) {
            assertEquals("ort-greedy-search", r.lines().get(i).get("backend").asText());
            Assertions.assertArrayEquals(
                    cases.get(i).hfOutputIds(), Fixtures.ints(r.lines().get(i).get("output_ids")));
        }
    }
}
