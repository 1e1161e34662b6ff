package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.engine.model.ModelConfig;
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
}
