package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.model.ModelConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TransferEstimateTest {

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

    /** models/tiny-gptj's shapes: 2 layers of 64 values, GPT-J's vocabulary; fp32, so 2 × 2 × 64 × 4 = 1 024 KV bytes. */
    private static final TransferEstimate TINY =
            new TransferEstimate(new ModelConfig(2, 4, 64, 4, 50400, 2048, 50256), 4);

    @Test
    void shouldCountAJavaLoopAnswerAsItsPromptPassAndOneStepPerPickAfterTheFirst() {
        assertEquals(1_024, TINY.kvBytesPerToken());
        long logits = 50_400 * 4;
        // batch 2, 10 prompt tokens, 4 answer tokens of which 2 forced: 3 picks (2 and the EOS), so 2 steps;
        // a forced token after each pick, so the steps run at 10 and 12 tokens of context
        long promptPass = 10 * 24 + 10 * 1_024 + logits;
        // a row's share of a step at c: past KV c, mask c + 1 and ids, positions up (and 8 bytes over 2 rows);
        // present KV c + 1 and a logits row down
        long stepAt10 = 10 * 1_024 + 11 * 8 + 16 + 4 + 11 * 1_024 + logits;
        long stepAt12 = 12 * 1_024 + 13 * 8 + 16 + 4 + 13 * 1_024 + logits;
        assertEquals(662_616, promptPass + stepAt10 + stepAt12);
        assertEquals(662_616, TINY.javaLoopConstrainedAnswerBytes(2, 10, 4, 2), 1e-6);
        // nothing forced: a step at each of 10, 11, 12 tokens, javaLoopBytesPerStep's batch over its rows
        double unforced = promptPass;
        for (int c = 10; c <= 12; c++) {
            unforced += TINY.javaLoopBytesPerStep(2, c) / 2.0;
        }
        assertEquals(unforced, TINY.javaLoopConstrainedAnswerBytes(2, 10, 3, 0), 1e-6);
        // an answer that is only its EOS: the prompt pass's logits pick it
        assertEquals(promptPass, TINY.javaLoopConstrainedAnswerBytes(2, 10, 0, 0), 1e-6);
        // forced tokens spread evenly: 1 forced of 4 makes 3 steps at 10, 11 1/3 and 12 2/3 tokens
        double thirds = promptPass;
        for (double c : new double[] {10, 10 + 4 / 3.0, 10 + 8 / 3.0}) {
            thirds += c * 1_024 + (c + 1) * 8 + 16 + 4 + (c + 1) * 1_024 + logits;
        }
        assertEquals(thirds, TINY.javaLoopConstrainedAnswerBytes(2, 10, 4, 1), 1e-6);
    }

    @Test
    void shouldCountAnInGraphAnswerAsItsRunsIdsAndSequencesAndOneLogitsRowPerCorrection() {
        long logits = 50_400 * 4;
        // batch 2, 10 prompt tokens, 4 answer tokens, 2 runs (at 10 and 12 tokens), 1 correction (at 12):
        // a run sends int32 ids and mask, max_length's 4 bytes over 2 rows, and reads context + answer back
        long run1 = 10 * 8 + 2 + (10 + 4) * 4;
        long run2 = 12 * 8 + 2 + (12 + 4) * 4;
        // a correction: int64 ids, mask and positions of its context up, one logits row down
        long correction = 12 * 24 + logits;
        assertEquals(202_188, run1 + run2 + correction);
        assertEquals(202_188, TINY.inGraphConstrainedAnswerBytes(2, 10, 4, 2, 1, 4), 1e-6);
        // a row whose picks were all allowed: one run, no logits at all
        assertEquals(run1, TINY.inGraphConstrainedAnswerBytes(2, 10, 4, 1, 0, 4), 1e-6);
        // measured means are fractional: half a correction more is half a correction's bytes (at 10 + 2.5·4/2)
        double half = TINY.inGraphConstrainedAnswerBytes(2, 10, 4, 2, 1.5, 4) - run1 - run2;
        assertEquals(1.5 * (10 + 4 / 2.0) * 24 + 1.5 * logits, half, 1e-6);
        // fp16 logits halve the rows that come back
        assertEquals(run1 + run2 + 12 * 24 + logits / 2, TINY.inGraphConstrainedAnswerBytes(2, 10, 4, 2, 1, 2), 1e-6);
    }

    @Test
    void shouldRefuseAnswersThatCannotBeDecoded() {
        assertThrows(IllegalArgumentException.class, () -> TINY.javaLoopConstrainedAnswerBytes(2, 10, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> TINY.javaLoopConstrainedAnswerBytes(2, 10, 4, -1));
        assertThrows(IllegalArgumentException.class, () -> TINY.javaLoopConstrainedAnswerBytes(0, 10, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> TINY.inGraphConstrainedAnswerBytes(2, 10, 4, 0.5, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> TINY.inGraphConstrainedAnswerBytes(2, 10, 4, 1, -1, 4));
        assertThrows(IllegalArgumentException.class, () -> TINY.inGraphConstrainedAnswerBytes(2, 10, 4, 1, 0, 0));
    }

    @Test
    void shouldMoveAFractionOfTheJavaLoopsBytesInGraphForGptJt6b() {
        Path config = Path.of(System.getProperty("gptjt.models")).getParent().resolve("docs/gpt-jt-6b-v1.config.json");
        TransferEstimate fp16 = new TransferEstimate(ModelConfig.read(config), 2);
        // the entities task on the demo sentences: 72 prompt tokens, 8 answer tokens (1 forced), 4.8 corrections
        // and 6 runs an answer; and a row at the default bound of 8 corrections
        for (int batch : new int[] {1, 16, 64}) {
            double javaLoop = fp16.javaLoopConstrainedAnswerBytes(batch, 72, 8, 1);
            double measured = fp16.inGraphConstrainedAnswerBytes(batch, 72, 8, 6.0, 4.8, 2);
            double atBound = fp16.inGraphConstrainedAnswerBytes(batch, 72, 8, 9, 8, 2);
            assertTrue(measured < 0.01 * javaLoop, batch + ": " + measured + " of " + javaLoop);
            assertTrue(atBound < 0.01 * javaLoop, batch + ": " + atBound + " of " + javaLoop);
            assertTrue(measured < atBound, "more corrections move more");
            // the Java loop's bytes are the KV cache's: ~prompt + answer columns up and down at every step
            assertTrue(javaLoop > 7 * 2 * 72 * fp16.kvBytesPerToken(), batch + ": " + javaLoop);
        }
    }
}
