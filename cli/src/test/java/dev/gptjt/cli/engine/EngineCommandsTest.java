package dev.gptjt.cli.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.CliRun;
import dev.gptjt.engine.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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
        CliRun r = CliRun.gptjt(
                in.toString(),
                "generate",
                "--model",
                Fixtures.tinyGptj().toString(),
                "--max-batch-size",
                "8",
                "--ignore-eos");
        assertEquals(0, r.code(), r.err());
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
        CliRun r = CliRun.gptjt(
                "{\"text\": \"<|endoftext|> is special\"}\n{\"text\": \"Hi\"}\n",
                "tokenize",
                "--model",
                Fixtures.tinyGptj().toString());
        assertEquals(0, r.code());
        assertEquals(
                "[27,91,437,1659,5239,91,29,318,2041]",
                r.lines().get(0).get("ids").toString());
        assertEquals("[17250]", r.lines().get(1).get("ids").toString());
    }

    @Test
    void shouldExplainSetupMistakesInOneLine() throws Exception {
        CliRun missing = CliRun.gptjt("", "generate", "--model", "/no/such/model");
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("gptjt: model directory /no/such/model does not exist"), missing.err());
        CliRun typo = CliRun.gptjt("", "generate", "--model", "m", "--modle", "x");
        assertEquals(2, typo.code());
        assertEquals(
                "gptjt: Unknown options: '--modle', 'x' (see 'gptjt generate --help')",
                typo.err().strip());
    }

    @Test
    void shouldAnswerHelpForEveryCommandAndNameTheBadArgumentInOneLine() {
        for (String command : List.of("generate", "tokenize", "convert")) {
            for (String help : List.of("--help", "-h")) {
                CliRun r = CliRun.gptjt("", command, help);
                assertEquals(0, r.code(), command + " " + help + ": " + r.err());
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
            CliRun r = CliRun.gptjt("", Arrays.copyOf(c, c.length - 1));
            assertEquals(2, r.code(), String.join(" ", c));
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().contains(c[c.length - 1]), String.join(" ", c) + " → " + r.err());
        }
    }

    @Test
    void shouldQuantizeAModelToFourBitsAndRefuseToDoItTwice(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("tiny-int4");
        CliRun q = CliRun.gptjt(
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
        assertEquals(0, q.code(), q.err());
        assertTrue(q.err().contains("MatMuls 4-bit") && q.err().contains("greedy_search.onnx"), q.err());
        CliRun g = CliRun.gptjt("{\"id\": \"a\", \"prompt\": \"Hello\"}\n", "generate", "--model", out.toString());
        assertEquals(0, g.code(), g.err());
        assertEquals(1, g.lines().size());

        CliRun again = CliRun.gptjt(
                "",
                "convert",
                "--model",
                out.toString(),
                "--out",
                tmp.resolve("x").toString(),
                "--quantize",
                "int4");
        assertEquals(2, again.code());
        assertTrue(
                again.err().contains("already quantized") && again.err().lines().count() == 1, again.err());
        CliRun block = CliRun.gptjt(
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
        assertEquals(2, block.code());
        assertTrue(block.err().contains("--block-size"), block.err());
    }

    @Test
    void shouldConvertAModelAndGenerateWithItInGraph(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("tiny-greedy");
        CliRun refused =
                CliRun.gptjt("", "convert", "--model", Fixtures.tinyGptj().toString(), "--out", out.toString());
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("--greedy-in-graph"), refused.err());

        CliRun converted = CliRun.gptjt(
                "", "convert", "--model", Fixtures.tinyGptj().toString(), "--out", out.toString(), "--greedy-in-graph");
        assertEquals(0, converted.code(), converted.err());
        assertTrue(converted.err().contains("greedy_search.onnx"), converted.err());

        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            in.append(JSON.writeValueAsString(
                            Map.of("id", "g" + i, "prompt", cases.get(i).prompt())))
                    .append('\n');
        }
        CliRun r = CliRun.gptjt(
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
        assertEquals(0, r.code(), r.err());
        for (int i = 0; i < cases.size(); i++) {
            assertEquals("ort-greedy-search", r.lines().get(i).get("backend").asText());
            Assertions.assertArrayEquals(
                    cases.get(i).hfOutputIds(), Fixtures.ints(r.lines().get(i).get("output_ids")));
        }
    }
}
