package dev.gptjt.cli.task;

import static dev.gptjt.cli.CliRun.gptjt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gptjt.cli.CliRun;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.tools.task.TaskRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gptjt run} and {@code gptjt bench task}: a task without Kafka, each path's answers compared record by record. */
class RunCommandTest {
    private static final String DEMO =
            Path.of(System.getProperty("gptjt.models"), "demo-gptj").toString();
    private static final String INPUTS = """
            {"id": "a", "text": "I can have for a treat or if i am feeling festive"}
            {"id": "b", "prompt": " starts with a space, and <|endoftext|> typed as text"}
            {"id": "c", "text": "\\nnewline first 😀"}
            """;

    @Test
    void shouldClassifyEachInputTheSameWithAndWithoutThePrefixCache() throws Exception {
        CliRun cached = gptjt(INPUTS, "run", "--task", "sentiment", "--model", DEMO);
        CliRun whole = gptjt(INPUTS, "run", "--task", "sentiment", "--model", DEMO, "--no-prefix-cache");
        assertEquals(0, cached.code(), cached.err());
        assertEquals(0, whole.code(), whole.err());
        List<JsonNode> a = cached.lines();
        List<JsonNode> b = whole.lines();
        assertEquals(
                List.of("a", "b", "c"),
                a.stream().map(n -> n.get("id").asText()).toList(),
                "input order");
        assertEquals("joy", a.get(0).get("label").asText());
        for (int i = 0; i < 3; i++) {
            assertEquals("prefix-cache", a.get(i).get("path").asText());
            assertTrue(a.get(i).get("prefix_tokens").asInt() > 0);
            assertEquals("whole-prompt", b.get(i).get("path").asText());
            assertEquals(0, b.get(i).get("prefix_tokens").asInt());
            assertEquals(b.get(i).get("label"), a.get(i).get("label"));
            assertEquals(b.get(i).get("prompt_tokens"), a.get(i).get("prompt_tokens"));
            assertEquals(6, a.get(i).get("scores").size());
            for (int j = 0; j < 6; j++) {
                JsonNode sa = a.get(i).get("scores").get(j);
                JsonNode sb = b.get(i).get("scores").get(j);
                assertEquals(sb.get("label"), sa.get("label"));
                assertEquals(
                        sb.get("probability").asDouble(), sa.get("probability").asDouble(), 1e-4);
            }
        }
    }

    @Test
    void shouldAnswerARepeatedTextFromItsFirstAnswerUnlessTheResultCacheIsOff() throws Exception {
        String repeats = INPUTS + "{\"id\": \"a2\", \"text\": \"I can have for a treat or if i am feeling festive\"}\n";
        CliRun cached = gptjt(repeats, "run", "--task", "sentiment", "--model", DEMO);
        CliRun off = gptjt(repeats, "run", "--task", "sentiment", "--model", DEMO, "--no-result-cache");
        assertEquals(0, cached.code(), cached.err());
        assertEquals(0, off.code(), off.err());
        List<JsonNode> a = cached.lines();
        assertEquals(
                List.of("model", "model", "model", "cache"),
                a.stream().map(n -> n.get("answered_by").asText()).toList());
        assertEquals("a2", a.get(3).get("id").asText());
        assertEquals(a.get(0).get("scores"), a.get(3).get("scores"));
        assertTrue(cached.err().contains("result cache: 1 of 4 answered from an earlier identical text"), cached.err());
        List<JsonNode> b = off.lines();
        assertTrue(b.stream().noneMatch(n -> n.has("answered_by")), off.out());
        assertEquals(b.get(3).get("label"), a.get(3).get("label"));
        for (int j = 0; j < 6; j++) {
            assertEquals(
                    b.get(3).at("/scores/" + j + "/probability").asDouble(),
                    a.get(3).at("/scores/" + j + "/probability").asDouble(),
                    1e-4);
        }
    }

    @Test
    void shouldExtractEntitiesAndReportRefusedInputsWithoutStopping() throws Exception {
        String input = "{\"id\": \"x\", \"text\": \"Pacific Northwest cities include Seattle and Portland.\"}\n"
                + "{\"id\": \"long\", \"text\": \"" + "word ".repeat(3000) + "\"}\n";
        CliRun o = gptjt(input, "run", "--task", "entities", "--model", DEMO);
        assertEquals(0, o.code(), o.err());
        List<JsonNode> lines = o.lines();
        assertTrue(
                lines.get(0).get("entities").toString().contains("Seattle"),
                lines.get(0).toString());
        assertEquals(
                "PROMPT_TOO_LONG",
                lines.get(1).at("/error/code").asText(),
                lines.get(1).toString());
    }

    @Test
    void shouldShowEachRecordsDecisionAndACountPerAction(@TempDir Path dir) throws Exception {
        // tweet-hate's shipped policy with its review band widened to the whole range below remove, so the demo
        // model's middling probabilities land in it
        Path config = Files.writeString(
                dir.resolve("application.properties"),
                Files.readString(Path.of(System.getProperty("gptjt.models"))
                                .resolveSibling("stream-app/src/main/resources/application.properties"))
                        + "gptjt.tasks.tweet-hate.decisions.rules[1].min=0\n");
        CliRun o = gptjt(INPUTS, "run", "--task", "tweet-hate", "--model", DEMO, "--config", config.toString());
        assertEquals(0, o.code(), o.err());
        int removed = 0;
        for (JsonNode line : o.lines()) {
            JsonNode d = line.get("decision");
            double hate = line.at("/scores/0/probability").asDouble();
            assertEquals("hate speech", line.at("/scores/0/label").asText());
            assertEquals(hate >= 0.8 ? "remove" : "review", d.get("action").asText(), line.toString());
            assertEquals(hate >= 0.8 ? 0 : 1, d.get("rule").asInt(), line.toString());
            assertEquals(hate, d.get("probability").asDouble());
            assertEquals("2026-12-07", d.get("policy_version").asText());
            removed += hate >= 0.8 ? 1 : 0;
        }
        assertTrue(
                o.err()
                        .contains("gptjt: decisions (policy 2026-12-07): remove " + removed + ", review "
                                + (3 - removed) + ", allow 0"),
                o.err());
        CliRun plain = gptjt(INPUTS, "run", "--task", "sentiment", "--model", DEMO);
        assertTrue(plain.lines().stream().noneMatch(n -> n.has("decision")), "no policy: no decision");
        assertTrue(!plain.err().contains("decisions"), plain.err());
    }

    @Test
    void shouldRefuseALineWithoutTextInOneLine() {
        CliRun o = gptjt("{\"id\": 1}\n", "run", "--task", "sentiment", "--model", DEMO);
        assertEquals(2, o.code());
        assertEquals(
                "gptjt: line 1 needs \"text\" (or \"prompt\") as a string",
                o.err().strip());
    }

    @Test
    void shouldBenchBothPathsAndFindTheirAnswersEqual(@TempDir Path dir) throws Exception {
        Path inputs = Files.writeString(dir.resolve("inputs.jsonl"), INPUTS);
        CliRun o = gptjt(
                "",
                "bench",
                "task",
                "--task",
                "tweet-hate",
                "--model",
                DEMO,
                "--inputs",
                inputs.toString(),
                "--repeat",
                "1",
                "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode report = TaskRunner.JSON.readTree(o.out());
        assertEquals(
                List.of("whole-fifo", "whole-prompt", "prefix-cache", "result-cache"),
                List.of(
                        report.at("/paths/0/path").asText(),
                        report.at("/paths/1/path").asText(),
                        report.at("/paths/2/path").asText(),
                        report.at("/paths/3/path").asText()));
        assertEquals(0, report.at("/paths/3/cache_hits").asInt(), "no text repeats");
        assertEquals("2026-12-07", report.get("policy_version").asText(), "tweet-hate's policy");
        for (JsonNode path : report.get("paths")) {
            JsonNode decisions = path.get("decisions");
            List<String> actions = new ArrayList<>();
            decisions.fieldNames().forEachRemaining(actions::add);
            assertEquals(List.of("remove", "review", "allow"), actions, path.toString());
            assertEquals(
                    3,
                    decisions.get("remove").asInt()
                            + decisions.get("review").asInt()
                            + decisions.get("allow").asInt(),
                    path.toString());
            assertEquals(3, path.get("same_answers").asInt(), path.toString());
            assertTrue(path.get("max_probability_difference").asDouble() <= 1e-4, path.toString());
            assertTrue(path.get("records_per_s").asDouble() > 0, path.toString());
        }
    }

    @Test
    void shouldReportTheDecisionsOfEveryPathInText(@TempDir Path dir) throws Exception {
        Path inputs = Files.writeString(dir.resolve("inputs.jsonl"), INPUTS);
        CliRun o = gptjt(
                "",
                "bench",
                "task",
                "--task",
                "tweet-hate",
                "--model",
                DEMO,
                "--inputs",
                inputs.toString(),
                "--repeat",
                "1");
        assertEquals(0, o.code(), o.err());
        String line = o.out()
                .lines()
                .filter(l -> l.startsWith("decisions (policy 2026-12-07): "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(o.out()));
        assertTrue(
                line.matches("decisions \\(policy 2026-12-07\\): remove \\d, review \\d, allow \\d on every path"),
                line);
    }

    @Test
    void shouldBenchAnExtractTaskFreeAndUnderItsSpansShape(@TempDir Path dir) throws Exception {
        Path inputs = Files.writeString(dir.resolve("inputs.jsonl"), INPUTS);
        CliRun o = gptjt(
                "",
                "bench",
                "task",
                "--task",
                "entities",
                "--model",
                DEMO,
                "--inputs",
                inputs.toString(),
                "--repeat",
                "1",
                "--json");
        assertEquals(0, o.code(), o.err());
        List<String> lines = o.out().lines().toList();
        JsonNode paths = TaskRunner.JSON.readTree(lines.get(0));
        assertEquals("prefix-spans", paths.at("/paths/4/path").asText(), paths.toString());
        JsonNode spans = TaskRunner.JSON.readTree(lines.get(1));
        assertTrue(spans.get("mask_steps").asInt() > 0, spans.toString());
        assertTrue(spans.get("mask_mean_us").asDouble() > 0, spans.toString());
        assertEquals(0, spans.at("/prefix-spans/entities_not_in_input").asInt(), spans.toString());
        assertEquals(3, spans.at("/prefix-spans/answers_all_in_input").asInt(), spans.toString());
    }

    /** Four entity sentences of docs/bench/entities-seen.jsonl. */
    private static final String ENTITY_INPUTS = """
            {"id": "s0", "text": "Pacific Northwest cities include Seattle and Portland, which I have visited with Vikash."}
            {"id": "s1", "text": "Maria Lopez moved from Denver to Boston last spring."}
            {"id": "s2", "text": "The team at Google met Sarah Kim in London."}
            {"id": "s3", "text": "I flew to Paris with Tom Baker and then to Rome."}
            """;

    /** {@code bench task} of the entities task over {@link #ENTITY_INPUTS} on the demo model with its greedy graph. */
    private static CliRun benchEntitiesInGraph(Path dir, String... more) throws Exception {
        Path model = dir.resolve("demo-greedy");
        GreedySearchConverter.convert(ModelDirectory.open(Path.of(DEMO)), model);
        Path inputs = Files.writeString(dir.resolve("inputs.jsonl"), ENTITY_INPUTS);
        List<String> args = new java.util.ArrayList<>(List.of(
                "bench",
                "task",
                "--task",
                "entities",
                "--model",
                model.toString(),
                "--inputs",
                inputs.toString(),
                "--repeat",
                "1"));
        args.addAll(List.of(more));
        return gptjt("", args.toArray(String[]::new));
    }

    @Test
    void shouldBenchTheSpansShapeInGraphWithThePrefixSpansAnswersAndItsCorrections(@TempDir Path dir) throws Exception {
        CliRun o = benchEntitiesInGraph(dir);
        assertEquals(0, o.code(), o.err());
        List<String> lines = o.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("in-graph-spans ")), o.out());
        assertTrue(
                lines.contains("in-graph-spans vs prefix-spans: 4/4 identical answers"
                        + " (4/4 the same tokens and finish reason)"),
                o.out());
        assertTrue(
                lines.stream()
                        .anyMatch(l ->
                                l.matches("in-graph-spans: \\d+\\.\\d\\d corrections per answer, \\d of \\d answers"
                                        + " without any, \\d+\\.\\d\\d operator runs per answer .*; \\d of 4 handed back to the"
                                        + " Java loop \\(more than 3 corrections\\)")),
                o.out());
    }

    @Test
    void shouldHandEveryCorrectedRowBackUnderMaxCorrectionsZeroWithTheSameAnswers(@TempDir Path dir) throws Exception {
        CliRun o = benchEntitiesInGraph(dir, "--max-corrections", "0", "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode paths = TaskRunner.JSON.readTree(o.out().lines().findFirst().orElseThrow());
        JsonNode inGraph = null;
        for (JsonNode path : paths.get("paths")) {
            if (path.get("path").asText().equals("in-graph-spans")) {
                inGraph = path;
            }
        }
        assertTrue(inGraph != null, paths.toString());
        assertEquals("prefix-spans", inGraph.get("identical_to").asText());
        assertEquals(4, inGraph.get("identical_answers").asInt(), inGraph.toString());
        assertEquals(4, inGraph.get("identical_tokens").asInt(), inGraph.toString());
        // a row may end in-graph under bound 0 only by needing no correction
        assertEquals(0, inGraph.get("corrections_per_answer").asDouble(), inGraph.toString());
        assertEquals(
                inGraph.get("answers_in_graph").asInt(),
                inGraph.get("answers_without_corrections").asInt(),
                inGraph.toString());
        assertEquals(
                4,
                inGraph.get("answers_in_graph").asInt()
                        + inGraph.get("handed_back").asInt(),
                inGraph.toString());
    }

    @Test
    void shouldRefuseANegativeMaxCorrectionsInOneLine() {
        CliRun o = gptjt(
                "",
                "bench",
                "task",
                "--task",
                "entities",
                "--model",
                DEMO,
                "--inputs",
                "docs/none.jsonl",
                "--max-corrections",
                "-1");
        assertEquals(2, o.code(), o.err());
        assertEquals("gptjt: --max-corrections: must be >= 0, got -1", o.err().strip());
    }
}
