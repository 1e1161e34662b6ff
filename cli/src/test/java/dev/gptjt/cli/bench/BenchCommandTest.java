package dev.gptjt.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.Main;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.model.ModelConfig;
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

    @Test
    void shouldComputeTheGptJt6bTransferPerStepFromItsShapes() {
        ModelConfig gptjt = new ModelConfig(28, 16, 4096, 64, 50400, 2048, 50256);
        TransferEstimate fp16 = new TransferEstimate(gptjt, 2);
        assertEquals(458_752, fp16.kvBytesPerToken()); // 2 × 28 layers × 4096 values × 2 bytes
        // batch 64, 200 tokens cached: 64 × 200 × 458 752 up, 64 × 201 × 458 752 + 64 × 50 400 × 2 down, plus ids/mask
        long expected = 64L * 200 * 458_752 + 64L * 201 * 458_752 + 64L * 50_400 * 2 + 64L * (201 * 8 + 16) + 8;
        assertEquals(expected, fp16.javaLoopBytesPerStep(64, 200));
        assertEquals(256, fp16.inGraphBytesPerStep(64));
    }

    @Test
    void shouldComputeEachClassifyPathsTransferFromTheShapes() {
        ModelConfig gptjt = new ModelConfig(28, 16, 4096, 64, 50400, 2048, 50256);
        TransferEstimate fp16 = new TransferEstimate(gptjt, 2);
        long kv = 458_752;
        long logits = 50_400 * 2;
        int[] labels = {2, 3}; // " hate speech", " not hate speech"
        // the prompt pass reads 110 + 1 (" hate"): its cache and two rows of logits down; the second label's pass
        // (" not hate"): 111 up, 113 down, 2 logits rows
        // (int64 inputs: ids and positions of the new tokens, the mask over every column)
        long whole = 64L * 111 * 24 + 64 * (111 * kv + 2 * logits) + 64 * (111 * kv + 113 * kv + 2 * logits + 117 * 8);
        assertEquals(whole, fp16.javaLoopClassifyBytes(64, 110, 0, labels));
        // the Java loop's prefix cache sends the prefix, expanded to 64 rows, up as well
        assertEquals(whole - 64L * 81 * 16 + 64L * 81 * kv, fp16.javaLoopClassifyBytes(64, 110, 81, labels));
        // in-graph: 29 ids and masks a row, the prefix once; label ids: 2 first tokens, label 0's 1 token and
        // its successor, label 1's 2 tokens, successors and mask floats; 2 floats a row back
        assertEquals(
                64L * 29 * 16 + 81 * kv + (2 * 8 + 2 * 8 + 2 * 20) + 64 * 2 * 4,
                fp16.inGraphClassifyBytes(64, 110, 81, labels));
        // one label of 2 tokens runs as two: 2 first tokens, label 0's 1 token and successor, the copy's 1
        // token, successor and mask; 2 floats a row back
        assertEquals(
                64L * 29 * 16 + 81 * kv + (2 * 8 + 2 * 8 + 20) + 64 * 2 * 4,
                fp16.inGraphClassifyBytes(64, 110, 81, new int[] {2}));
    }
}
