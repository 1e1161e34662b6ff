package dev.gptjt.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cli.CliRun;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransferBenchCommandTest {
    private static final String GPT_JT_6B = Path.of(System.getProperty("gptjt.models"))
            .getParent()
            .resolve("docs/gpt-jt-6b-v1.config.json")
            .toString();

    @Test
    void shouldPrintOneConstrainedAnswersBytesOnBothPathsAfterTheStepAndClassifyTables() {
        CliRun run = CliRun.gptjt(
                "", "bench", "transfer", "--model-config", GPT_JT_6B, "--batch-sizes", "1,16", "--context", "100");
        assertEquals(0, run.code(), run.err());
        List<String> lines = Arrays.asList(run.out().split("\n"));
        // the step table and the classification table as before, then the answer's
        assertTrue(lines.get(0).contains("one decoding step at 100 tokens of context"), run.out());
        assertTrue(lines.get(4).startsWith("one classification batch"), run.out());
        assertEquals(
                "one constrained answer: 72 prompt tokens, 8 answer tokens (1 forced); in-graph 5.40 runs and 4.80"
                        + " corrections (2-byte logits):",
                lines.get(8));
        assertEquals(12, lines.size(), run.out());
        for (String row : lines.subList(10, 12)) {
            // the in-graph share, in percent, is the last column: under the 5% at the demo model's rate
            String[] cells = row.trim().split("\\s+");
            double share = Double.parseDouble(cells[cells.length - 1].replace("%", ""));
            assertTrue(share > 0 && share < 5, row);
        }
    }

    @Test
    void shouldRefuseAnAnswerTheLoopCouldNotDecodeNamingTheOption() {
        for (var bad : List.of(
                List.of("--forced-tokens", "8", "--forced-tokens"),
                List.of("--runs", "0.5", "--runs"),
                List.of("--corrections", "-1", "--corrections"),
                List.of("--logits-bytes", "0", "--logits-bytes"),
                List.of("--answer-prompt-tokens", "0", "--answer-prompt-tokens"))) {
            CliRun run = CliRun.gptjt("", "bench", "transfer", "--model-config", GPT_JT_6B, bad.get(0), bad.get(1));
            assertEquals(2, run.code(), bad + ": " + run.err());
            assertTrue(run.err().startsWith("gptjt: " + bad.get(2) + ":"), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
        }
    }
}
