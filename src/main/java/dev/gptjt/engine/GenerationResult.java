package dev.gptjt.engine;

/**
 * A finished completion.
 *
 * @param id           the request's id
 * @param promptTokens number of prompt tokens
 * @param outputIds    generated token ids (up to the token that completed a stop sequence, excluding EOS)
 * @param text         decoded completion, cut before the first stop sequence
 * @param finishReason why generation ended
 * @param queuedNanos  time from submission to the start of its batch
 * @param inferenceNanos wall time of the batch that produced it
 * @param batchSize    number of requests in that batch
 * @param backend      name of the backend that ran it
 * @param prefixTokens of {@code promptTokens}, those read from a cached prefix's KV cache rather than
 *                     run through the model (0: the whole prompt ran)
 * @param forcedTokens of {@code outputIds}, those the output's shape forced and the engine wrote without a
 *                     decoder step of their own (jump-forward; 0 for a free output)
 * @param corrections  for a constrained row decoded in-graph, the times the model's pick was refused by the shape
 *                     and the engine picked from that position's logits instead (0 otherwise)
 * @param inGraphRuns  for a row decoded in-graph, the operator calls it took: 1 for a free row, and for a constrained
 *                     one a call after each correction and after each run that ran out or wrote other tokens than
 *                     the shape forced (0 on the Java loop)
 */
public record GenerationResult(
        String id,
        int promptTokens,
        int[] outputIds,
        String text,
        FinishReason finishReason,
        long queuedNanos,
        long inferenceNanos,
        int batchSize,
        String backend,
        int prefixTokens,
        int forcedTokens,
        int corrections,
        int inGraphRuns)
        implements EngineResult {

    @Override
    public int generatedTokens() {
        return outputIds.length;
    }

    @Override
    public GenerationResult withQueuedNanos(long queued) {
        return new GenerationResult(
                id,
                promptTokens,
                outputIds,
                text,
                finishReason,
                queued,
                inferenceNanos,
                batchSize,
                backend,
                prefixTokens,
                forcedTokens,
                corrections,
                inGraphRuns);
    }
}
