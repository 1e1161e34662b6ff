package dev.gptjt.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.Main;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @Test
    void shouldBenchBothBackendsSideBySideOnAConvertedModel(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("tiny-greedy");
        GreedySearchConverter.convert(
                ModelDirectory.open(Path.of(System.getProperty("gptjt.models"), "tiny-gptj")), model);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "bench",
                    "engine",
                    "--model",
                    model.toString(),
                    "--batch-sizes",
                    "1,2",
                    "--repeat",
                    "1",
                    "--prompt-tokens",
                    "8",
                    "--max-new-tokens",
                    "4",
                    "--json",
                    "--plots",
                    tmp.resolve("plots").toString()
                },
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);
        assertEquals(0, code);
        List<JsonNode> rows = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{")) {
                rows.add(new ObjectMapper().readTree(line));
            }
        }
        // interleaved: each batch size on both backends
        assertEquals(
                List.of("java-loop 1", "in-graph 1", "java-loop 2", "in-graph 2"),
                rows.stream()
                        .map(r -> r.get("backend").asText() + " "
                                + r.get("batch_size").asInt())
                        .toList());
        for (JsonNode r : rows) {
            // every request generates exactly 4 tokens (the bench ignores EOS): tokens/s is 4 × requests/s
            assertEquals(
                    4 * r.get("req_per_s").asDouble(),
                    r.get("new_tok_per_s").asDouble(),
                    1e-6 * r.get("new_tok_per_s").asDouble(),
                    r.toString());
            assertTrue(r.get("req_per_s").asDouble() > 0, r.toString());
            assertTrue(
                    r.get("ort_share").asDouble() > 0 && r.get("ort_share").asDouble() <= 1.0,
                    "a share of the time, inside ORT: " + r);
            assertTrue(
                    r.get("p50_ms").asDouble() > 0
                            && r.get("p50_ms").asDouble() <= r.get("p99_ms").asDouble(),
                    r.toString());
        }
        assertTrue(Files.readString(tmp.resolve("plots/engine.md")).contains("| in-graph | 2 |"));
        assertTrue(Files.size(tmp.resolve("plots/engine-throughput.png")) > 0);
    }

    @Test
    void shouldSummariseOrtsProfileOfEachBatchSize(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "bench",
                    "engine",
                    "--model",
                    Path.of(System.getProperty("gptjt.models"), "tiny-gptj").toString(),
                    "--batch-sizes",
                    "1,2",
                    "--repeat",
                    "1",
                    "--prompt-tokens",
                    "8",
                    "--max-new-tokens",
                    "4",
                    "--ort-profile",
                    tmp.toString()
                },
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);
        assertEquals(0, code);
        List<String> summaries = out.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.contains("ORT profile:"))
                .toList();
        // two batches per size (warm-up + 1 measured), each a prompt pass and 3 steps
        assertEquals(2, summaries.size(), out.toString(StandardCharsets.UTF_8));
        summaries.forEach(l -> assertTrue(l.contains("8 runs") && l.contains("MatMul") && l.contains("(lm_head"), l));
        try (var files = Files.list(tmp)) {
            assertEquals(
                    List.of("java-loop-b1", "java-loop-b2"),
                    files.map(f -> f.getFileName().toString().replaceAll("_.*", ""))
                            .sorted()
                            .toList());
        }
    }

    @Test
    void shouldRefuseALoadFractionBesideAFixedRate() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {"bench", "pipeline", "--load", "0.5", "--rate", "8"},
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--load sets the rate from the measured capacity"),
                err.toString(StandardCharsets.UTF_8));
        code = Main.run(
                new String[] {"bench", "pipeline", "--load", "1.5"},
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("in (0, 1]"));
    }
}
