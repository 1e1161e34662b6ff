package dev.gptjt.engine;

/**
 * A validated request with its prompt already tokenized.
 *
 * @param id             the caller's id
 * @param promptIds      prompt token ids (non-empty; ids + max_new_tokens fit the context)
 * @param params         validated decoding parameters
 * @param submittedNanos {@link System#nanoTime()} at submission
 * @param labelIds       for a classification: each label's token ids, to be scored rather than
 *                       generating; null for a generation
 */
public record PreparedRequest(String id, int[] promptIds, GenerationParams params, long submittedNanos, int[][] labelIds) {

    /** True when this request scores labels instead of generating. */
    public boolean scoring() {
        return labelIds != null;
    }
}
