package dev.gptjt.cli;

import dev.gptjt.engine.model.ModelConfig;

/**
 * Host↔device bytes one decoding step moves on a GPU, computed from the model's shapes. ORT's Java
 * API has no IOBinding: every input is copied from the host and every output back, so the Java loop
 * moves the whole KV cache both ways each step; the in-graph backend keeps it on the device and moves
 * only the step's token ids (read back for the EOS check).
 *
 * @param model      the architecture
 * @param valueBytes bytes per cache and logits value (2 for fp16, 4 for fp32)
 */
record TransferEstimate(ModelConfig model, int valueBytes) {

    /** KV cache bytes per token of context per sequence: key and value, every layer, every head. */
    long kvBytesPerToken() {
        return 2L * model.nLayer() * model.nEmbd() * valueBytes;
    }

    /**
     * The Java loop, one step of {@code batch} rows with {@code context} tokens already cached:
     * past KV, mask, ids and positions to the device; present KV and one row of logits back.
     */
    long javaLoopBytesPerStep(int batch, int context) {
        long up = batch * (context * kvBytesPerToken() + (context + 1) * 8L + 2 * 8L) + 8;
        long down = batch * ((context + 1) * kvBytesPerToken() + (long) model.vocabSize() * valueBytes);
        return up + down;
    }

    /** The in-graph backend, one step: the new token id of each row back to the host (int32). */
    long inGraphBytesPerStep(int batch) {
        return 4L * batch;
    }
}
