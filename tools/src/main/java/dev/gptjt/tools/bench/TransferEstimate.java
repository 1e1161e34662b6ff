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

    /**
     * The Java loop, one constrained answer, per row of a batch of {@code batch} (the batch's bytes over its
     * rows). With {@code P = promptTokens}, {@code A = answerTokens}, {@code F = forcedTokens}, {@code kv =}
     * {@link #kvBytesPerToken()} and {@code V} the vocabulary:
     *
     * <ul>
     *   <li>the prompt pass: ids, mask and positions up (int64, {@code 24·P}); its present KV of {@code P} columns
     *       and one logits row back ({@code P·kv + V·valueBytes});
     *   <li>then one decoding step per pick after the first: the row makes {@code A − F + 1} picks (its answer's
     *       {@code A − F} unforced tokens and the EOS or stop token that ends it), so {@code S = A − F} steps. A
     *       forced token rides in the step of the pick before it (jump-forward): it adds columns, not a step;
     *   <li>step {@code i} ({@code 1..S}) costs {@link #javaLoopBytesPerStep}{@code (batch, c_i) / batch} at
     *       {@code c_i = P +} the tokens written before its pick. Assumed: the forced tokens spread evenly over the
     *       picks, {@code F/S} after each, so {@code c_i = P + (i − 1)·A/S}. The step's bytes are linear in its
     *       context, so the sum is {@code S} steps at the mean context {@code P + A·(S − 1)/(2S)}.
     * </ul>
     *
     * A forced token's column is counted from the step after the one that feeds it: that step's own present holds
     * it too, which {@link #javaLoopBytesPerStep} (one new token a step) leaves out, {@code F·kv} in all (for 1
     * forced token of 8 after a 72-token prompt, 1 column of the ~1 100 the answer moves up and down).
     *
     * @throws IllegalArgumentException unless {@code batch ≥ 1}, {@code promptTokens ≥ 1} and
     *     {@code 0 ≤ forcedTokens < answerTokens} (or both 0: an answer that is only its EOS)
     */
    public double javaLoopConstrainedAnswerBytes(int batch, int promptTokens, int answerTokens, int forcedTokens) {
        requireAnswer(batch, promptTokens, answerTokens);
        if (forcedTokens < 0 || (forcedTokens >= answerTokens && answerTokens > 0)) {
            throw new IllegalArgumentException("forced tokens " + forcedTokens + " of an answer of " + answerTokens
                    + ": 0 or more, fewer than the answer's (a forced token rides in a pick's step)");
        }
        double prompt = 24.0 * promptTokens + (double) promptTokens * kvBytesPerToken() + logitsRow(valueBytes);
        int steps = answerTokens - forcedTokens;
        if (steps == 0) {
            return prompt;
        }
        double meanContext = promptTokens + answerTokens * (steps - 1) / (2.0 * steps);
        double atZero = javaLoopBytesPerStep(batch, 0);
        double perColumn = javaLoopBytesPerStep(batch, 1) - atZero;
        return prompt + steps * (atZero + perColumn * meanContext) / batch;
    }

    /**
     * The in-graph backend, one constrained answer guessed and checked, per row of a batch of {@code batch}. With
     * {@code P = promptTokens}, {@code A = answerTokens}, {@code R = runs}, {@code C = corrections} (per-answer
     * means, as measured: fractional) and {@code V} the vocabulary:
     *
     * <ul>
     *   <li>each operator run sends the row's context up as int32 ids and int32 mask ({@code 8·c}), and
     *       {@code max_length} (4 bytes a call, over the batch's rows: {@code 4/batch}); it reads the int32
     *       sequences back, context and generated tokens, taken as {@code 4·(c + A)} (a run writes at most the
     *       answer; a free run past a refused token may read more, up to {@code max_new_tokens}). Assumed: the runs
     *       spread evenly over the answer, run {@code j} ({@code 0..R−1}) at {@code c_j = P + j·A/R}, so
     *       {@code Σ c_j = R·P + A·(R − 1)/2};
     *   <li>each correction sends its context's int64 ids, mask and positions up ({@code 24·c}) and reads one logits
     *       row back ({@code V·logitsBytes}; no {@code present.*} fetched). Assumed: the corrections spread evenly,
     *       correction {@code k} ({@code 1..C}) at {@code c_k = P + k·A/(C + 1)}, so {@code Σ c_k = C·P + C·A/2}.
     * </ul>
     *
     * Total: {@code 12·Σ c_j + 4·A·R + 4·R/batch + 24·Σ c_k + C·V·logitsBytes}. Padding to the batch's longest
     * context is left out (rows of one task differ by a few tokens).
     *
     * @throws IllegalArgumentException unless {@code batch ≥ 1}, {@code promptTokens ≥ 1}, {@code answerTokens ≥ 0},
     *     {@code runs ≥ 1}, {@code corrections ≥ 0} and {@code logitsBytes ≥ 1}
     */
    public double inGraphConstrainedAnswerBytes(
            int batch, int promptTokens, int answerTokens, double runs, double corrections, int logitsBytes) {
        requireAnswer(batch, promptTokens, answerTokens);
        if (!(runs >= 1) || !(corrections >= 0) || logitsBytes < 1) {
            throw new IllegalArgumentException("runs " + runs + ", corrections " + corrections + ", logits bytes "
                    + logitsBytes + ": at least 1 run, 0 or more corrections, at least 1 byte a logit");
        }
        double runContexts = runs * promptTokens + answerTokens * (runs - 1) / 2.0;
        double runBytes = 12.0 * runContexts + 4.0 * answerTokens * runs + 4.0 * runs / batch;
        double correctionContexts = corrections * promptTokens + corrections * answerTokens / 2.0;
        return runBytes + 24.0 * correctionContexts + corrections * logitsRow(logitsBytes);
    }

    private long logitsRow(int bytes) {
        return (long) model.vocabSize() * bytes;
    }

    private static void requireAnswer(int batch, int promptTokens, int answerTokens) {
        if (batch < 1 || promptTokens < 1 || answerTokens < 0) {
            throw new IllegalArgumentException("batch " + batch + ", prompt tokens " + promptTokens + ", answer tokens "
                    + answerTokens + ": at least 1, at least 1, 0 or more");
        }
    }

    /** The in-graph backend, one step: the new token id of each row back to the host (int32). */
    public long inGraphBytesPerStep(int batch) {
        return 4L * batch;
    }
}
