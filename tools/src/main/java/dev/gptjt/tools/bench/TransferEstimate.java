package dev.gptjt.tools.bench;

import dev.gptjt.engine.model.ModelConfig;
import java.util.Arrays;

/**
 * Host↔device bytes one decoding step moves on a GPU, computed from the model's shapes. ORT's Java
 * API has no IOBinding: every input is copied from the host and every output back, so the Java loop
 * moves the whole KV cache both ways each step; the in-graph backend keeps it on the device and moves
 * only the step's token ids (read back for the EOS check).
 *
 * @param model      the architecture
 * @param valueBytes bytes per cache and logits value (2 for fp16, 4 for fp32)
 */
public record TransferEstimate(ModelConfig model, int valueBytes) {

    /** KV cache bytes per token of context per sequence: key and value, every layer, every head. */
    public long kvBytesPerToken() {
        return 2L * model.nLayer() * model.nEmbd() * valueBytes;
    }

    /**
     * The Java loop, one step of {@code batch} rows with {@code context} tokens already cached:
     * past KV, mask, ids and positions to the device; present KV and one row of logits back.
     */
    public long javaLoopBytesPerStep(int batch, int context) {
        long up = batch * (context * kvBytesPerToken() + (context + 1) * 8L + 2 * 8L) + 8;
        long down = batch * ((context + 1) * kvBytesPerToken() + (long) model.vocabSize() * valueBytes);
        return up + down;
    }

    /**
     * The Java loop, one classification batch of {@code batch} rows: a prompt pass that also reads the first
     * label's tokens but its last (its KV cache and the logits of the prompt's last position and those tokens
     * back), then one pass per further label longer than one token (the prompt pass's cache up again, its
     * cache and the label positions' logits back). With {@code cachedPrefix} tokens of the prompt taken from
     * the prefix cache, that prefix, expanded to the batch, goes up with the prompt pass.
     *
     * @param promptTokens every prompt token, the cached prefix's included
     * @param labelTokens  each label's token count
     */
    public long javaLoopClassifyBytes(int batch, int promptTokens, int cachedPrefix, int[] labelTokens) {
        long kv = kvBytesPerToken();
        long logitsRow = (long) model.vocabSize() * valueBytes;
        int first = labelTokens[0] - 1;
        int columns = promptTokens + first;
        long inputs = batch * ((columns - cachedPrefix) * 2L + columns) * 8; // ids, positions; the mask spans all
        long bytes = inputs + batch * (cachedPrefix * kv + columns * kv + (1 + first) * logitsRow);
        for (int j = 1; j < labelTokens.length; j++) {
            int width = labelTokens[j] - 1;
            if (width > 0) {
                bytes += batch
                        * (columns * kv
                                + (columns + width) * kv
                                + width * logitsRow
                                + (width * 2L + columns + width) * 8);
            }
        }
        return bytes;
    }

    /**
     * A one-pass classification graph: the inputs' ids, the prefix's KV cache once at batch 1 (expanded on
     * the device), the labels' ids up (every label's first token; label 0's other tokens and their
     * successors; the others' ids, successors and mask, padded to the longest); each row's label
     * log-probabilities (float32) back.
     */
    public long inGraphClassifyBytes(int batch, int promptTokens, int cachedPrefix, int[] labelTokens) {
        // one label runs as two (label 0 again in the label pass), as the backend sends it
        int[] labels = labelTokens.length == 1 ? new int[] {labelTokens[0], labelTokens[0]} : labelTokens;
        int further = labels.length - 1;
        int width = Math.max(1, Arrays.stream(labels, 1, labels.length).max().orElseThrow() - 1);
        long labelIds = 8L * labels.length + 16L * (labels[0] - 1) + 20L * further * width;
        return batch * (promptTokens - cachedPrefix) * 2L * 8
                + cachedPrefix * kvBytesPerToken()
                + labelIds
                + 4L * batch * labels.length;
    }

    /** The in-graph backend, one step: the new token id of each row back to the host (int32). */
    public long inGraphBytesPerStep(int batch) {
        return 4L * batch;
    }
}
