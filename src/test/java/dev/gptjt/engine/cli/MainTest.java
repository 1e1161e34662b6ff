package dev.gptjt.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.engine.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exitCode, List<JsonNode> lines, String err) {}

    private static Run run(String stdin, String... argv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return new Run(code, lines, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldGenerateEveryLineInInputOrderAndReportBadLines() throws Exception {
        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            in.append(JSON.writeValueAsString(java.util.Map.of("id", "g" + i, "prompt", cases.get(i).prompt(), "max_new_tokens", 8))).append('\n');
            if (i == 3) {
                in.append("{broken\n").append("{\"id\": \"bad\", \"prompt\": \"Hi\", \"top_k\": -1}\n");
            }
        }
        Run r = run(in.toString(), "generate", "--model", Fixtures.tinyGptj().toString(), "--batch-size", "8", "--ignore-eos");
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
            assertEquals(cases.get(i).inputIds().length, line.get("prompt_tokens").asInt());
            assertEquals("length", line.get("finish_reason").asText());
            int[] ids = Fixtures.ints(line.get("output_ids"));
            org.junit.jupiter.api.Assertions.assertArrayEquals(cases.get(i).hfOutputIds(), ids);
        }
    }

    @Test
    void shouldTokenizeLines() throws Exception {
        Run r = run("{\"text\": \"<|endoftext|> is special\"}\n{\"text\": \"Hi\"}\n", "tokenize", "--model", Fixtures.tinyGptj().toString());
        assertEquals(0, r.exitCode());
        assertEquals("[27,91,437,1659,5239,91,29,318,2041]", r.lines().get(0).get("ids").toString());
        assertEquals("[17250]", r.lines().get(1).get("ids").toString());
    }

    @Test
    void shouldExplainSetupMistakesInOneLine() throws Exception {
        Run missing = run("", "generate", "--model", "/no/such/model");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().startsWith("gptjt: model directory /no/such/model does not exist"), missing.err());
        Run typo = run("", "generate", "--modle", "x");
        assertEquals(2, typo.exitCode());
        assertTrue(typo.err().contains("unknown option --modle"), typo.err());
    }

    @Test
    void shouldConvertAModelAndGenerateWithItInGraph(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path out = tmp.resolve("tiny-greedy");
        Run refused = run("", "convert", "--model", Fixtures.tinyGptj().toString(), "--out", out.toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("--greedy-in-graph"), refused.err());

        Run converted = run("", "convert", "--model", Fixtures.tinyGptj().toString(), "--out", out.toString(), "--greedy-in-graph");
        assertEquals(0, converted.exitCode(), converted.err());
        assertTrue(converted.err().contains("greedy_search.onnx"), converted.err());

        List<Fixtures.GenerationCase> cases = Fixtures.generationCases();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            in.append(JSON.writeValueAsString(java.util.Map.of("id", "g" + i, "prompt", cases.get(i).prompt()))).append('\n');
        }
        Run r = run(in.toString(), "generate", "--model", out.toString(), "--batch-size", "8", "--max-new-tokens", "8",
                "--backend", "in-graph");
        assertEquals(0, r.exitCode(), r.err());
        for (int i = 0; i < cases.size(); i++) {
            assertEquals("ort-greedy-search", r.lines().get(i).get("backend").asText());
            org.junit.jupiter.api.Assertions.assertArrayEquals(cases.get(i).hfOutputIds(), Fixtures.ints(r.lines().get(i).get("output_ids")));
        }
    }
}
